"""The inbox: read replies, bounces and complaints from IMAP and act on them."""
