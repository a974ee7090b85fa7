"""PDF/A-2b parts reportlab does not write by itself: XMP metadata, an sRGB output intent and an
Info dictionary that says exactly what the XMP says.

Set on the canvas while the document is built, so there is no second pass over the file.
Everything else PDF/A-2b asks for follows from how the renderer draws: only embedded TrueType
subsets (the canvas default font is DejaVu), no transparency, no encryption, a trailer /ID.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape as xml_escape

from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

PRODUCER = "KommuneDesk (ReportLab)"
CREATOR = "KommuneDesk"
OUTPUT_CONDITION = "sRGB IEC61966-2.1"
# Characters XML 1.0 cannot hold; a title made from user text must still give well-formed XMP.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class DocumentInfo:
    """What the Info dictionary and the XMP packet both say about a document."""

    title: str
    author: str
    subject: str
    created: dt.datetime  # timezone-aware

    @classmethod
    def clean(cls, title: str, author: str, subject: str, created: dt.datetime | None = None) -> DocumentInfo:
        """Values safe for XML and PDF strings (one line each), stamped now unless ``created`` is given."""
        when = (created or dt.datetime.now().astimezone()).replace(microsecond=0)

        def one_line(text: str) -> str:
            return " ".join(_NOT_XML.sub(" ", text).split())[:500]

        return cls(one_line(title), one_line(author), one_line(subject), when)


@cache
def srgb_profile_flate() -> bytes:
    """The sRGB ICC profile (built by Pillow's littleCMS), deflated once per process."""
    from PIL import ImageCms

    return zlib.compress(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


def pdf_date(when: dt.datetime) -> str:
    """``D:20261124093000+01'00'`` (PDF date with the UTC offset)."""
    offset = int((when.utcoffset() or dt.timedelta()).total_seconds() // 60)
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset), 60)
    return f"D:{when:%Y%m%d%H%M%S}{sign}{hours:02d}'{minutes:02d}'"


def xmp_date(when: dt.datetime) -> str:
    """``2026-11-24T09:30:00+01:00``, the same instant as :func:`pdf_date`."""
    return when.isoformat(timespec="seconds")


def xmp_packet(info: DocumentInfo) -> bytes:
    """The XMP metadata: PDF/A-2b identification plus Dublin Core and PDF fields mirroring Info."""
    title, author, subject = (xml_escape(value) for value in (info.title, info.author, info.subject))
    date = xmp_date(info.created)
    description = (
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>'
        if info.subject
        else ""
    )
    creator = f"<dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>" if info.author else ""
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
{creator}{description}
</rdf:Description>
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<xmp:CreatorTool>{CREATOR}</xmp:CreatorTool>
<xmp:CreateDate>{date}</xmp:CreateDate>
<xmp:ModifyDate>{date}</xmp:ModifyDate>
<xmp:MetadataDate>{date}</xmp:MetadataDate>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdf:Producer>{PRODUCER}</pdf:Producer>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return packet.encode("utf-8")


def make_archival(canvas: Canvas, info: DocumentInfo) -> None:
    """Give the canvas's document PDF/A-2b metadata, output intent and a matching Info dictionary.

    Call before the first page is finished (the Info object is replaced)."""
    doc = canvas._doc
    doc.info = ArchivalInfo(info)
    catalog = doc.Catalog
    catalog.Lang = pdfdoc.PDFString("de-DE")
    # The metadata stream stays unfiltered (PDF/A-2, 6.6.2.1): no filters here, and reportlab's
    # documents have no default stream filters.
    metadata = pdfdoc.PDFStream(
        pdfdoc.PDFDictionary({"Type": pdfdoc.PDFName("Metadata"), "Subtype": pdfdoc.PDFName("XML")}),
        xmp_packet(info),
    )
    catalog.Metadata = metadata
    profile = pdfdoc.PDFStream(
        pdfdoc.PDFDictionary({"N": 3, "Filter": pdfdoc.PDFName("FlateDecode")}), srgb_profile_flate()
    )
    intent = pdfdoc.PDFDictionary(
        {
            "Type": pdfdoc.PDFName("OutputIntent"),
            "S": pdfdoc.PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": pdfdoc.PDFString(OUTPUT_CONDITION),
            "Info": pdfdoc.PDFString(OUTPUT_CONDITION),
            "DestOutputProfile": doc.Reference(profile),
        }
    )
    catalog.OutputIntents = pdfdoc.PDFArray([intent])
    # PDFCatalog writes only the keys it lists; OutputIntents is an inline array, not a reference.
    catalog.__NoDefault__ = [*type(catalog).__NoDefault__, "OutputIntents"]


class ArchivalInfo(pdfdoc.PDFInfo):
    """Info dictionary with exactly the entries the XMP mirrors (no Keywords, no Trapped)."""

    def __init__(self, info: DocumentInfo) -> None:
        super().__init__()
        self.meta = info

    def format(self, document: pdfdoc.PDFDocument) -> bytes:
        meta = self.meta
        date = pdfdoc.PDFString(pdf_date(meta.created))
        entries = {
            "Title": pdfdoc.PDFString(meta.title),
            "Creator": pdfdoc.PDFString(CREATOR),
            "Producer": pdfdoc.PDFString(PRODUCER),
            "CreationDate": date,
            "ModDate": date,
        }
        if meta.author:
            entries["Author"] = pdfdoc.PDFString(meta.author)
        if meta.subject:
            entries["Subject"] = pdfdoc.PDFString(meta.subject)
        return pdfdoc.PDFDictionary(entries).format(document)
