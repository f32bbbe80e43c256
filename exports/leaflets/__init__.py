"""Printed leaflets (design §1 "someone offline"): the leaflet bank mirrors each hub's sections.

- ``content``: which listings go in each leaflet, as printable view models (never a cluster);
- ``qr``: QR codes to each listing online;
- ``render``: HTML and CSS to PDF with WeasyPrint, fetching nothing but the leaflets' own files;
- ``bank``: building the whole bank into a folder, rebuilding only leaflets whose content changed.
"""
