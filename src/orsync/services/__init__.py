"""Orchestration, one package per user task; each package's ``__init__`` is its face.

``setup`` (connect, test, profiles), ``mapping`` (map init/check/show and the resolver),
``sync``, ``reconcile``, ``status``, ``listen``, ``demo`` (demo and sandbox); ``convert``
holds the conversions between the services' records and orsync's, ``common`` what every task
opens.
The decisions they apply are engine functions.
"""
