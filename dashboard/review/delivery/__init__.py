"""Sending the weekly report and the alerts by email and chat webhooks (`report --send`, `alerts --send`).

One module per job: `config` reads the `delivery:` settings section, `mail` and `webhook` each
send to one kind of target, `mailbody` turns the report into HTML that mail clients show,
`sentlog` remembers what went where so a rerun does not send twice, and `send` runs it all and
says exactly what happened to every target. Nothing here is needed unless a user asks to send.
"""
