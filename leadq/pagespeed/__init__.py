"""PageSpeed audits of lead websites: PSI, a local Chromium lab engine, or the Lighthouse CLI."""
