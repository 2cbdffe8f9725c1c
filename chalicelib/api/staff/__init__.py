"""Town-hall staff operations, one blueprint per feature. Each endpoint names the roles it
admits (roles.py). May import chalicelib.api.routing, errors and the services."""
from chalicelib.api.staff import (
                                  accounts,
                                  attendance,
                                  audit,
                                  billing,
                                  debits,
                                  exports,
                                  families,
                                  jobs,
                                  mandates,
                                  menus,
                                  settings,
                                  sickness,
                                  titres,
                                  treasury,
)

# In the order the console presents them.
BLUEPRINTS = tuple(module.bp for module in (families, accounts, settings, audit, jobs,
                                            attendance, exports, menus, billing,
                                            titres, treasury, sickness, mandates, debits))
