"""The experts' briefing pack: the gap analysis in words, as HTML, PDF and Markdown.

    compiled = versions.compile_pack(workspace, store, "intercultural-communication-2027", out, now)
    sending.send_pack(store, transport, sender, workspace, compiled, now=now)

analysis (the gaps, pure) and gathering (it, from the store); labels (the words of
each language) and render (Jinja: HTML, Markdown); pdf (WeasyPrint, imported only
when a PDF is made); versions (number by content, write the files, sources.csv);
sending (each expert's PDF by email, once per version).
"""
