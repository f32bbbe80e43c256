"""Request logs never hold search terms next to an IP address: query strings are cut from them."""

import logging
import re

QUERY = re.compile(r"(\"[A-Z]+ [^\s?\"]*)\?[^\s\"]*")


class StripQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = QUERY.sub(r"\1", message), ()
        return True


def strip_query_strings_from_access_logs() -> None:
    logging.getLogger("werkzeug").addFilter(StripQueryStrings())
