"""Local accounts, roles and the audit log (issue 9).

`auth.roles` is pure (which pages and actions a set of roles gets, and the metrics viewer of a
user); `auth.store` keeps users and the audit log in the warehouse; `auth.session` is the
Streamlit side (login form, idle expiry, checks pages call); `auth.cli` creates administrators.
"""
