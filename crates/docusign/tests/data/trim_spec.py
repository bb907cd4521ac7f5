#!/usr/bin/env python3
"""Trims DocuSign's eSignature REST API v2.1 OpenAPI specification to the structure of the
definitions the adapter sends, for tests/spec.rs.

Source: esignature.rest.swagger-v2.1.json, DocuSign's published OpenAPI (Swagger 2.0)
specification of the eSignature REST API v2.1, release 21.1.00 (repository
docusign/eSign-OpenAPI-Specification), MIT licence. The licence notice is copied into the output.

Kept: for each definition listed in DEFINITIONS, every property it declares and that property's
type: "string", "boolean", "integer", "number", "object", {"$ref": NAME} or {"array": TYPE}.
Dropped: descriptions and everything else. A reference to a definition outside the list stays a
{"$ref": NAME}; the test refuses a body that reaches into one, so the list grows with what the
adapter sends.

Usage: trim_spec.py SPEC.json LICENSE > esignature-v2.1-definitions.json
"""

import json
import sys

# The request bodies the adapter sends, and the definitions they contain.
DEFINITIONS = [
    # POST /envelopes
    "envelopeDefinition",
    "document",
    "EnvelopeRecipients",
    "signer",
    "carbonCopy",
    "AccountCustomFields",
    "textCustomField",
    "eventNotification",
    "envelopeEvent",
    "recipientEvent",
    "connectEventData",
    # PUT /envelopes/{envelopeId}
    "envelope",
    # PUT /folders/{folderId}
    "foldersRequest",
    # POST /envelopes/{envelopeId}/views/recipient
    "recipientViewRequest",
]


def kind(schema):
    if "$ref" in schema:
        return {"$ref": schema["$ref"].rsplit("/", 1)[-1]}
    declared = schema.get("type", "object")
    if declared == "array":
        return {"array": kind(schema.get("items", {}))}
    return declared


def main():
    spec_path, licence_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    with open(licence_path, encoding="utf-8") as f:
        licence = f.read().strip()
    definitions = {}
    for name in DEFINITIONS:
        properties = spec["definitions"][name].get("properties", {})
        definitions[name] = {prop: kind(schema) for prop, schema in sorted(properties.items())}
    out = {
        "source": "esignature.rest.swagger-v2.1.json: DocuSign eSignature REST API v2.1, "
        "release 21.1.00, the definitions of the request bodies the adapter sends, property "
        "names and types only (trimmed by trim_spec.py)",
        "licence": licence,
        "definitions": definitions,
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
