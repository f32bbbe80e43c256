"""Where a postcode is: its shape (``shape``), the ONS Postcode Directory once loaded (``models``, ``onspd``),
and one answer to "where is this postcode?" for the search, the API, the hub finder and saved listings
(``placing``)."""
