"""Planning consultation rounds: candidate slots, busy time, the optimal assignment, changes.

`slots` lists the starts inside every party's working day; `feeds` reads the facilitators'
busy time; `solver` finds the assignment (HiGHS); `plan` plans a round into the store;
`changes` reschedules and cancels. Imported only by what plans: the solver pulls in
numpy and HiGHS, which the flows that send, remind or record never need.
"""
