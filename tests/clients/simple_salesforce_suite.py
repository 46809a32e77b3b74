"""simple-salesforce 1.12 against the practice org: JWT, password over OAuth and over SOAP (and
SOAP's fault for a wrong password), client credentials, limits().

simple-salesforce builds every URL as https://{domain}.salesforce.com and https://{instance}; the
practice org serves plain HTTP on loopback. A requests Session (which simple-salesforce takes as
`session=`) maps those hosts to the practice org: login.salesforce.com to the login host stand-in,
practice.my.salesforce.com to the My Domain, https://127.0.0.1:PORT to http://127.0.0.1:PORT.
Any other host goes through HTTPS_PROXY, which refuses it.
Env: ORG_URL, LOGIN_URL, JWT_KEY. Prints PASS/FAIL lines; exit 1 on a failure.
"""
import os
import sys
import traceback
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce.__version__ import __version__ as VERSION
from simple_salesforce import Salesforce, SalesforceAuthenticationFailed

ORG_URL = os.environ["ORG_URL"]
LOGIN_URL = os.environ["LOGIN_URL"]
JWT_KEY = os.environ["JWT_KEY"]

ORG = urlsplit(ORG_URL)
HOSTS = {
    "login.salesforce.com": urlsplit(LOGIN_URL).netloc,
    "practice.my.salesforce.com": ORG.netloc,
    ORG.netloc: ORG.netloc,
}


class PracticeOrgAdapter(HTTPAdapter):
    """Sends https://<mapped host>/… to the practice org over plain HTTP, without a proxy."""

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        target = HOSTS.get(parts.netloc)
        if parts.scheme == "https" and target:
            request.url = urlunsplit(("http", target, parts.path, parts.query, parts.fragment))
            kwargs["proxies"] = {}
        return super().send(request, **kwargs)


def session():
    s = requests.Session()
    s.mount("https://", PracticeOrgAdapter())
    return s


failed = 0


def step(name, fn):
    global failed
    try:
        detail = fn()
        print(f"PASS simple-salesforce {VERSION}: {name}" + (f" ({detail})" if detail else ""), flush=True)
    except Exception:  # noqa: BLE001 - every failure is reported the same way
        failed += 1
        print(f"FAIL simple-salesforce {VERSION}: {name}:\n{traceback.format_exc()}", flush=True)


def daily(sf):
    limits = sf.limits()
    d = limits["DailyApiRequests"]
    assert d["Max"] > 0 and d["Remaining"] <= d["Max"], d
    return f"DailyApiRequests {d['Remaining']}/{d['Max']}"


def jwt():
    # simple-salesforce signs `exp` as a string of digits; Salesforce (and the practice org) take it.
    sf = Salesforce(
        username="integration@practice.example",
        consumer_key="practice-jwt",
        privatekey_file=JWT_KEY,
        session=session(),
    )
    return daily(sf)


def password_oauth():
    sf = Salesforce(
        username="admin@practice.example",
        password="Practice-Pass-1PRACTICETOKEN1",
        consumer_key="practice-password",
        consumer_secret="practice-password-secret",
        session=session(),
    )
    return daily(sf)


def password_soap():
    sf = Salesforce(
        username="symbols@practice.example",
        password="Sym #&+%= bol-1",
        security_token="SYMBOLSTOKEN1",
        session=session(),
    )
    return daily(sf)


def password_soap_wrong():
    try:
        Salesforce(
            username="admin@practice.example",
            password="wrong",
            security_token="PRACTICETOKEN1",
            session=session(),
        )
    except SalesforceAuthenticationFailed as e:
        assert e.code == "INVALID_LOGIN", e.code
        assert e.auth_message == "Invalid username, password, security token; or user locked out.", e.auth_message
        return f"{e.code}: {e.auth_message}"
    raise AssertionError("the login succeeded")


def client_credentials():
    sf = Salesforce(
        consumer_key="practice-cc",
        consumer_secret="practice-cc-secret",
        domain="practice.my",
        session=session(),
    )
    return daily(sf)


step("JWT bearer login (exp as a string of digits), limits()", jwt)
step("password login over OAuth 2.0, limits()", password_oauth)
step("password login over SOAP login() with #&+%= and a space in the password, limits()", password_soap)
step("SOAP login() with a wrong password gives INVALID_LOGIN", password_soap_wrong)
step("client credentials on the My Domain, limits()", client_credentials)
sys.exit(1 if failed else 0)
