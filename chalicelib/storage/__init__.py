"""The only code that touches DynamoDB. May import ``domain`` and ``settings``.

Access patterns (each served by a key or an index, never a Scan on a request path):
- family by number: ``families`` get;                         families hold their children
- families by the start of a name, a child's name, an address or a number:
  ``family_terms`` query (one partition, ``begins_with`` on the term)
- account by e-mail (family or staff): ``logins`` get, then the account's get
- staff member by e-mail: ``staff`` get
- session by token hash: ``sessions`` get; all sessions of an account: ``by_principal`` query
- reset token by hash: ``reset_tokens`` get
- sign-in failures by identifier hash: ``login_attempts`` get
- next family number: ``counters`` atomic update
"""
