"""Real-shaped inbound messages, written from the RFCs' examples.

- ``dsn``: RFC 3464 section 10 / appendix examples (multipart/report;
  report-type=delivery-status, a message/delivery-status part with one
  per-message block and one block per recipient, the original's headers in
  text/rfc822-headers);
- ``arf``: RFC 5965 section B.1 (multipart/report; report-type=feedback-report,
  a message/feedback-report part, the original message in message/rfc822);
- ``auto_reply``: RFC 3834 (Auto-Submitted: auto-replied, In-Reply-To);
- ``reply``: a person's answer quoting the message.
"""

from __future__ import annotations


def _crlf(text: str) -> bytes:
    return text.lstrip("\n").replace("\n", "\r\n").encode()


def dsn(
    *,
    recipient: str,
    status: str = "5.1.1",
    action: str = "failed",
    to: str = "ada@studio.example",
    original_message_id: str | None = None,
    diagnostic: str = "smtp; 550 5.1.1 <{recipient}>... User unknown",
    message_id: str = "<199407072116.RAA14128@mx.shop.example>",
) -> bytes:
    original = (
        f"Message-ID: {original_message_id}\nFrom: Ada <ada@studio.example>\nTo: {recipient}\n"
        f"Subject: A faster site\n"
        if original_message_id
        else "From: Ada <ada@studio.example>\nSubject: A faster site\n"
    )
    return _crlf(f"""
Date: Thu, 7 Jul 1994 17:16:05 -0400
From: Mail Delivery Subsystem <MAILER-DAEMON@mx.shop.example>
Message-ID: {message_id}
Subject: Returned mail: User unknown
To: {to}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
    boundary="RAA14128.773615765/mx.shop.example"

--RAA14128.773615765/mx.shop.example
Content-Type: text/plain

   ----- The following addresses had delivery problems -----
<{recipient}>  (unrecoverable error)

--RAA14128.773615765/mx.shop.example
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.shop.example
Arrival-Date: Thu, 7 Jul 1994 17:15:49 -0400

Final-Recipient: RFC822; {recipient}
Action: {action}
Status: {status}
Remote-MTA: DNS; mx.shop.example
Diagnostic-Code: {diagnostic.format(recipient=recipient)}
Last-Attempt-Date: Thu, 7 Jul 1994 17:15:49 -0400

--RAA14128.773615765/mx.shop.example
Content-Type: text/rfc822-headers

Return-Path: <ada@studio.example>
{original}
--RAA14128.773615765/mx.shop.example--
""")


def arf(*, recipient: str, original_message_id: str) -> bytes:
    return _crlf(f"""
From: <abusedesk@mailbox.example>
Date: Thu, 8 Mar 2005 17:40:36 EDT
Subject: FW: A faster site
To: <ada@studio.example>
Message-ID: <2002.abuse@mailbox.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report;
     boundary="part1_13d.2e68ed54_boundary"

--part1_13d.2e68ed54_boundary
Content-Type: text/plain; charset="US-ASCII"
Content-Transfer-Encoding: 7bit

This is an email abuse report for an email message received from IP
192.0.2.1 on Thu, 8 Mar 2005 14:00:00 EDT.  For more information
about this format please see http://www.mipassoc.org/arf/.

--part1_13d.2e68ed54_boundary
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <ada@studio.example>
Original-Rcpt-To: <{recipient}>
Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT
Reporting-MTA: dns; mail.mailbox.example
Source-IP: 192.0.2.1

--part1_13d.2e68ed54_boundary
Content-Type: message/rfc822
Content-Disposition: inline

From: Ada <ada@studio.example>
Received: from mailserver.example by mail.mailbox.example with SMTP id xxxxxxxxxxxxxxxx
Date: Thu, 8 Mar 2005 14:00:00 EDT
Subject: A faster site
To: <{recipient}>
Message-ID: {original_message_id}
MIME-Version: 1.0
Content-type: text/plain
Content-Transfer-Encoding: 7bit

Hi, I looked at your website.

--part1_13d.2e68ed54_boundary--
""")


def auto_reply(*, sender: str, in_reply_to: str, subject: str = "Auto: A faster site") -> bytes:
    return _crlf(f"""
From: {sender}
To: ada@studio.example
Subject: {subject}
Message-ID: <ooo.{abs(hash(sender))}@shop.example>
In-Reply-To: {in_reply_to}
References: {in_reply_to}
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=utf-8

I am out of the office until Monday and will reply when I am back.
""")


def reply(*, sender: str, in_reply_to: str | None, text: str, subject: str = "Re: A faster site") -> bytes:
    threading = f"In-Reply-To: {in_reply_to}\nReferences: {in_reply_to}\n" if in_reply_to else ""
    return _crlf(f"""
From: Owner <{sender}>
To: Ada <ada@studio.example>
Subject: {subject}
Message-ID: <reply.{abs(hash((sender, text)))}@shop.example>
{threading}Content-Type: text/plain; charset=utf-8

{text}

On Mon, Nov 23, 2026 at 10:00 AM Ada <ada@studio.example> wrote:
> Hi, I looked at your website. Want a faster one? Stop by any time.
""")
