"""Mail to stakeholders: calendar invites (iTIP), MIME, rendering, delivery and replies.

`calendar` builds REQUEST/CANCEL invites and reads REPLYs; `mime` builds the messages;
`render` fills the per-language templates; `invitations` and `reminders` prepare what a
round calls for; `delivery` sends each message once through a `transports` adapter;
`replies` and `imap` read the answers.
"""
