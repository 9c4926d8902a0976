"""Who a flow run acts as, for the audit log: the Prefect user who started it, or the run itself.

A Prefect server that knows its users (Prefect Cloud) says who created each
run (`created_by`, of type USER); a local server does not, and a scheduled or
automated run has no user. Then the run names itself, with the operating-system
user of the worker that runs it: `send-invitations/brave-fox (lela)`.
"""

from prefect.context import FlowRunContext

from consult.actors import default_actor


def flow_actor() -> str:
    """Return the Prefect user who started this flow run, else "<flow>/<run> (<OS user>)"."""
    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return default_actor()
    run = context.flow_run
    creator = run.created_by
    if creator is not None and creator.type == "USER" and creator.display_value:
        return creator.display_value
    flow_name = context.flow.name if context.flow is not None else "flow"
    return f"{flow_name}/{run.name} ({default_actor()})"
