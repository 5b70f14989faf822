"""Demo websites for leads: a small redesigned site per business, screenshots, a package, publishing."""
