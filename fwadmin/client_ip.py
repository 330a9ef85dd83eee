"""The address a request really came from, for the login lockout (django-axes).

Behind a TLS proxy every request's REMOTE_ADDR is the proxy's, so keying the lockout on it
would let five bad posts lock a username out for everyone. X-Forwarded-For is believed only
when the request comes from a proxy listed in FWADMIN_TRUSTED_PROXIES, and read from the
right: each trusted proxy appends the address it saw, so the first untrusted one from the
right is the client (anything further left the client could have forged).
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = set(settings.FWADMIN_TRUSTED_PROXIES)
    if remote not in trusted:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if address not in trusted:
            return address if _is_ip(address) else remote  # "unknown", "ip:port": not usable
    return remote


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
