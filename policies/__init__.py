"""The hall's rules and data, pure: calendar, settings, case kinds, catalog, ID numbers.

Import the modules you need (``policies.calendar``, ``policies.settings``,
``policies.cases``, ``policies.deadlines``, ``policies.catalog``, ``policies.idnumber``);
nothing heavy is imported here.
"""
