"""What the people running the service see of it: /metrics for Prometheus (`metrics`), errors to Sentry without
patient data (`sentry`, `scrub`), log lines as text or JSON with the request's or task's id (`logs`), and the
middleware that gives each request its id and times it (`middleware`). README: "Metrics, errors and logs"."""
