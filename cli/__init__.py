"""leadq's command line: one Typer app, one sub-app per domain (installed as leadq.cli)."""
