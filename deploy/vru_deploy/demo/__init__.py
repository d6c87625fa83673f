"""A synthetic demo data set, planned from a seed and loaded through the gateway's public API,
acting as made-up organisations (providers, referrers) with their own API clients.

`plan_demo` is pure: every referral, decision, enrolment, contact and outcome as request bodies.
`load_demo` posts the plan, checking every answer. Nothing here is about a real person or a real
organisation: names are made up, NHS numbers are in the 999 test range, phone numbers in Ofcom's
drama range (07700 900xxx), email addresses at example.org and postcodes in a made-up area (ZX).
"""

from vru_deploy.demo.actors import ClientCredentials, credentials_from, read_credentials
from vru_deploy.demo.gateway import DemoLoadError, Patience
from vru_deploy.demo.loader import DemoSummary, load_demo
from vru_deploy.demo.plan import plan_demo

__all__ = ["ClientCredentials", "DemoLoadError", "DemoSummary", "Patience", "credentials_from", "load_demo",
           "plan_demo", "read_credentials"]
