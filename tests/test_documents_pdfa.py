"""PDF/A-2b properties of rendered letters, checked on the real files with pikepdf and fontTools.

No PDF/A validator (veraPDF) is available offline, so the rules a reportlab document could break
are checked one by one: identification and metadata, output intent, embedded fonts (and their
cmap and widths), no transparency, no encryption, trailer /ID, file header.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from pikepdf.models.metadata import decode_pdf_date

from kommune_desk.documents.model import LetterKind
from kommune_desk.documents.render import render_letter, render_letters

from .documents_samples import sample_letter


@pytest.fixture(
    scope="module",
    params=["gebuehrenbescheid", "without-logo", "batch"],
)
def pdf(request: pytest.FixtureRequest) -> bytes:
    if request.param == "batch":
        return render_letters([sample_letter(kind) for kind in LetterKind])
    return render_letter(sample_letter(LetterKind.GEBUEHRENBESCHEID, logo=request.param != "without-logo"))


def _resources(doc: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Resource dictionaries of all pages and the form XObjects they use."""
    found: list[pikepdf.Dictionary] = []
    pending = [page.obj.get("/Resources") for page in doc.pages]
    while pending:
        resources = pending.pop()
        if resources is None:
            continue
        found.append(resources)
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form":
                pending.append(xobject.get("/Resources"))
    return found


def test_header_trailer_and_structure(pdf: bytes) -> None:
    assert re.match(rb"%PDF-1\.[4-7]\r?\n%", pdf)
    second_line = pdf.split(b"\n")[1]
    assert sum(byte > 127 for byte in second_line[1:5]) == 4  # binary comment right after the header
    assert pdf.rstrip().endswith(b"%%EOF")
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.check_pdf_syntax() == []
        assert not doc.is_encrypted and "/Encrypt" not in doc.trailer
        ids = doc.trailer.ID
        assert len(ids) == 2 and len(bytes(ids[0])) == 16
        root = doc.Root
        assert str(root.Lang) == "de-DE"
        for forbidden in ("/AA", "/OpenAction", "/Names", "/AcroForm"):
            assert forbidden not in root
        for page in doc.pages:
            assert "/Annots" not in page.obj and "/AA" not in page.obj


def test_xmp_identifies_pdfa_2b_and_mirrors_the_info_dictionary(pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        stream = doc.Root.Metadata
        assert stream.Type == "/Metadata" and stream.Subtype == "/XML"
        assert "/Filter" not in stream  # PDF/A: the metadata stream stays unfiltered
        assert stream.read_bytes().startswith(b'<?xpacket begin="\xef\xbb\xbf"')
        meta = doc.open_metadata()
        info = doc.docinfo
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == str(info.Title) and str(info.Title)
        assert meta["dc:creator"] == [str(info.Author)] == ["Gemeinde Nauheim – Der Gemeindevorstand"]
        assert meta["dc:description"] == str(info.Subject)
        assert meta["xmp:CreatorTool"] == str(info.Creator)
        assert meta["pdf:Producer"] == str(info.Producer)
        created = decode_pdf_date(str(info.CreationDate))
        assert dt.datetime.fromisoformat(meta["xmp:CreateDate"]) == created
        assert dt.datetime.fromisoformat(meta["xmp:ModifyDate"]) == decode_pdf_date(str(info.ModDate))
        assert created.tzinfo is not None
        assert set(info.keys()) <= {
            "/Title",
            "/Author",
            "/Subject",
            "/Creator",
            "/Producer",
            "/CreationDate",
            "/ModDate",
        }


def test_srgb_output_intent(pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        intents = doc.Root.OutputIntents
        assert len(intents) == 1
        intent = intents[0]
        assert intent.Type == "/OutputIntent" and intent.S == "/GTS_PDFA1"
        assert str(intent.OutputConditionIdentifier) == "sRGB IEC61966-2.1"
        profile = intent.DestOutputProfile
        assert profile.N == 3
        icc = profile.read_bytes()
        assert icc[36:40] == b"acsp" and icc[16:20] == b"RGB " and icc[12:16] == b"mntr"
        assert int.from_bytes(icc[:4], "big") == len(icc)


def test_every_font_is_an_embedded_dejavu_subset_with_consistent_widths(pdf: bytes) -> None:
    assert b"/Helvetica" not in pdf and b"/Times" not in pdf and b"/ZapfDingbats" not in pdf
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        fonts = {font.objgen: font for res in _resources(doc) for font in (res.get("/Font") or {}).values()}
        assert fonts
        for font in fonts.values():
            assert font.Subtype == "/TrueType"
            assert re.fullmatch(r"/[A-Z]{6}\+DejaVuSans(-Bold|-Oblique)?", str(font.BaseFont))
            descriptor = font.FontDescriptor
            assert "/FontFile2" in descriptor
            # Symbolic TrueType (PDF/A-2 6.2.11.6): no Encoding, the program's cmap has one subtable.
            assert int(descriptor.Flags) & 4 and "/Encoding" not in font
            program = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()))
            assert len(program["cmap"].tables) == 1
            # Widths in the font dictionary match the embedded program (6.2.11.5).
            scale = 1000 / program["head"].unitsPerEm
            cmap = program["cmap"].tables[0].cmap
            metrics = program["hmtx"].metrics
            first = int(font.FirstChar)
            for offset, width in enumerate(font.Widths):
                glyph = cmap.get(first + offset)
                if glyph is not None:
                    assert abs(float(width) - metrics[glyph][0] * scale) <= 1
            assert "/ToUnicode" in font


def test_images_are_opaque_rgb_and_nothing_is_transparent(pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            assert "/Group" not in page.obj
        for resources in _resources(doc):
            for xobject in (resources.get("/XObject") or {}).values():
                if xobject.get("/Subtype") == "/Image":
                    assert "/SMask" not in xobject and "/Mask" not in xobject
                    assert xobject.ColorSpace == "/DeviceRGB" and xobject.BitsPerComponent == 8
                    assert not xobject.get("/Interpolate", False)
                else:
                    assert "/Group" not in xobject
            for state in (resources.get("/ExtGState") or {}).values():
                assert state.get("/SMask", pikepdf.Name.None_) == pikepdf.Name.None_
                assert float(state.get("/CA", 1)) == 1 and float(state.get("/ca", 1)) == 1
                assert str(state.get("/BM", "/Normal")) in ("/Normal", "/Compatible")
