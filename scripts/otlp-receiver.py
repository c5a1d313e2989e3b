"""A small OTLP/HTTP receiver for scripts/e2e-otlp: accepts POST /v1/traces (protobuf, optionally gzip), decodes each
request with the official OpenTelemetry protobuf definitions (the `opentelemetry-proto` package) and appends one JSON
line per span to the output file: name, trace id, span id, parent span id, attributes.

    python otlp-receiver.py PORT_FILE OUTPUT_FILE

It listens on 127.0.0.1, on a port the kernel picks, written to PORT_FILE once it listens.
"""
import gzip
import http.server
import json
import sys

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

port_file, output_file = sys.argv[1], sys.argv[2]


def value(any_value):
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path != "/v1/traces":
            self.send_response(404)
            self.end_headers()
            return
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        with open(output_file, "a") as out:
            for resource_spans in request.resource_spans:
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        out.write(json.dumps({
                            "name": span.name,
                            "trace_id": span.trace_id.hex(),
                            "span_id": span.span_id.hex(),
                            "parent_span_id": span.parent_span_id.hex(),
                            "status": span.status.code,
                            "attributes": {a.key: value(a.value) for a in span.attributes},
                            "links": [link.trace_id.hex() for link in span.links],
                        }) + "\n")
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
with open(port_file, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
