"""NDJSON events on stdin, as a shipper sends them on stdout.

`faultline parse` prints each event with its template, fingerprint and
explanation, so people see how it would be grouped; a shipper sends none of
these (the collector works them out), so the ingest benchmark's batches
leave them out. Everything else on the line is kept as it was.
"""

import json
import sys

COLLECTOR_KEYS = ("template", "fingerprint", "explanation")

for line in sys.stdin:
    event = json.loads(line)
    for key in COLLECTOR_KEYS:
        event.pop(key, None)
    sys.stdout.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
    sys.stdout.write("\n")
