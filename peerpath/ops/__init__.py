"""Running Peerpath on more than one server: the read replica's router, the
request id and JSON logs, the readiness check and the Prometheus metrics
(docs/deployment.md, "Several servers"). No models, no pages of its own."""
