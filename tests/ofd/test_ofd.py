"""The OFD package built from an issued PDF: valid against GB/T 33190's schemas, and the PDF's pages as they are."""

import datetime
import io
import zipfile
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from fontTools.ttLib import TTFont
from lxml import etree
from PIL import Image

from articles.printing.ofd import NS, PT_TO_MM, OfdError, OfdMetadata, issue_ofd, ofd_from_pdf
from tests.articles.hard_bulletin import hard_bulletin
from tests.factories import demo_issued_pdf, rolled_back

pytestmark = pytest.mark.django_db
XSD = Path(__file__).parent / "xsd"
Q = {"ofd": NS}


@pytest.fixture(scope="module")
def schemas():
    return {name: etree.XMLSchema(etree.parse(str(XSD / f"{name}.xsd"))) for name in ("OFD", "Document", "Page", "Res")}


@pytest.fixture(scope="module")
def docs(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo bulletin and the hard bulletin (tables, a chart image, four articles): issue, PDF and OFD."""
    built = {"titles": {}}
    # Each in a rollback of its own: both create the same units.
    for name in ("demo", "hard"):
        with rolled_back(django_db_blocker, tmp_path_factory.mktemp(name)):
            issue = demo_issued_pdf()[0] if name == "demo" else hard_bulletin()
            with issue.pdf_file.open("rb") as fh:
                built[name] = (issue, fh.read(), issue_ofd(issue))
            built["titles"][name] = [a.title.replace("\n", "") for a in issue.articles.order_by("position")]
    return built


def _package(data):
    return zipfile.ZipFile(io.BytesIO(data))


def _xml(package, name):
    return etree.fromstring(package.read(name))


def _pages(package):
    document = _xml(package, "Doc_0/Document.xml")
    return [_xml(package, "Doc_0/" + page.get("BaseLoc")) for page in document.iterfind("ofd:Pages/ofd:Page", Q)]


def _schema_for(name):
    if name == "OFD.xml":
        return "OFD"
    if name.endswith("/Document.xml"):
        return "Document"
    if name.endswith("Res.xml"):
        return "Res"
    return "Page"


@pytest.mark.parametrize("doc", ["demo", "hard"])
def test_every_xml_part_is_valid_against_the_standards_schema(docs, schemas, doc):
    package = _package(docs[doc][2])
    parts = [name for name in package.namelist() if name.endswith(".xml")]
    assert {"OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml", "Doc_0/DocumentRes.xml"} <= set(parts)
    for name in parts:
        schema = schemas[_schema_for(name)]
        assert schema.validate(_xml(package, name)), (name, schema.error_log.last_error)
    assert package.namelist()[0] == "OFD.xml"
    assert _xml(package, "OFD.xml").get("DocType") == "OFD"


@pytest.mark.parametrize("doc", ["demo", "hard"])
def test_each_page_carries_the_pdfs_text_in_order(docs, doc):
    _issue, pdf, ofd = docs[doc]
    pages = _pages(_package(ofd))
    with pdfplumber.open(io.BytesIO(pdf)) as plumber:
        assert len(pages) == len(plumber.pages)
        for page, pdf_page in zip(pages, plumber.pages, strict=True):
            ofd_text = "".join(code.text or "" for code in page.iterfind(".//ofd:TextCode", Q))
            assert ofd_text == "".join(char["text"] for char in pdf_page.chars)
            assert ofd_text


@pytest.mark.parametrize("doc", ["demo", "hard"])
def test_every_glyph_is_where_the_pdf_put_it(docs, doc):
    """TextCode X/Y (the baseline origin in the Boundary) plus DeltaX give each glyph's origin in mm, to 0.002 mm."""
    _issue, pdf, ofd = docs[doc]
    with pdfplumber.open(io.BytesIO(pdf)) as plumber:
        for page, pdf_page in zip(_pages(_package(ofd)), plumber.pages, strict=True):
            origins = []
            for text in page.iterfind(".//ofd:TextObject", Q):
                left, top, _w, _h = (float(v) for v in text.get("Boundary").split())
                code = text.find("ofd:TextCode", Q)
                x, y = left + float(code.get("X")), top + float(code.get("Y"))
                deltas = [float(d) for d in (code.get("DeltaX") or "").split()]
                for i, _char in enumerate(code.text or ""):
                    origins.append((x, y, float(text.get("Size"))))
                    x += deltas[i] if i < len(deltas) else 0
            expected = [(c["matrix"][4] * PT_TO_MM, (float(pdf_page.height) - c["matrix"][5]) * PT_TO_MM,
                         c["size"] * PT_TO_MM) for c in pdf_page.chars]
            assert len(origins) == len(expected)
            for got, want in zip(origins, expected, strict=True):
                assert got == pytest.approx(want, abs=0.002)


def test_the_document_says_title_issuing_unit_date_and_issue_number(docs):
    issue, _pdf, ofd = docs["demo"]
    info = _xml(_package(ofd), "OFD.xml").find("ofd:DocBody/ofd:DocInfo", Q)
    assert info.findtext("ofd:Title", namespaces=Q) == f"{issue.printed_series.name} {issue.label}"
    assert info.findtext("ofd:Author", namespaces=Q) == issue.printed_series.compiling_office
    assert info.findtext("ofd:CreationDate", namespaces=Q) == issue.issue_date.isoformat()
    custom = {d.get("Name"): d.text for d in info.iterfind("ofd:CustomDatas/ofd:CustomData", Q)}
    assert custom["期号"] == issue.label == "2021年第1期"
    assert custom["总期号"] == f"总第{issue.total_number}期"
    assert len(info.findtext("ofd:DocID", namespaces=Q)) == 32


def test_the_page_area_is_a4_in_millimetres(docs):
    document = _xml(_package(docs["demo"][2]), "Doc_0/Document.xml")
    assert document.findtext("ofd:CommonData/ofd:PageArea/ofd:PhysicalBox", namespaces=Q) == "0 0 210 297"


@pytest.mark.parametrize("doc", ["demo", "hard"])
def test_each_font_embeds_the_pdfs_subset_and_maps_every_character_it_shows(docs, doc):
    _issue, pdf, ofd = docs[doc]
    package = _package(ofd)
    programs = set()
    with pikepdf.open(io.BytesIO(pdf)) as pike:
        for page in pike.pages:
            for font in page.Resources.Font.values():
                descriptor = font.DescendantFonts[0].FontDescriptor
                programs.add(descriptor.get("/FontFile3", descriptor.get("/FontFile2")).read_bytes())
    fonts = _xml(package, "Doc_0/PublicRes.xml").findall("ofd:Fonts/ofd:Font", Q)
    files = {font.get("ID"): package.read("Doc_0/Res/" + font.findtext("ofd:FontFile", namespaces=Q))
             for font in fonts}
    assert set(files.values()) == programs
    shown = {}
    for page in _pages(package):
        for text in page.iterfind(".//ofd:TextObject", Q):
            shown.setdefault(text.get("Font"), set()).update(text.find("ofd:TextCode", Q).text or "")
    for font_id, characters in shown.items():
        cmap = TTFont(io.BytesIO(files[font_id])).getBestCmap()
        assert {c for c in characters if ord(c) not in cmap and not c.isspace()} == set()


def test_text_in_a_bold_font_says_so_by_its_weight(docs):
    """ofd.js draws with the system font of the FamilyName and takes bold from the TextObject's Weight only."""
    package = _package(docs["demo"][2])
    bold = {font.get("ID") for font in _xml(package, "Doc_0/PublicRes.xml").iterfind("ofd:Fonts/ofd:Font", Q)
            if font.get("Bold") == "true"}
    texts = [text for page in _pages(package) for text in page.iterfind(".//ofd:TextObject", Q)]
    assert bold and {text.get("Weight") for text in texts if text.get("Font") in bold} == {"700"}
    assert {text.get("Weight") for text in texts if text.get("Font") not in bold} == {None}  # 400, the default


def test_the_red_masthead_rule_is_a_filled_path_in_the_mastheads_red(docs):
    issue, _pdf, ofd = docs["demo"]
    first = _pages(_package(ofd))[0]
    red = " ".join(str(int(issue.printed_series.masthead_color[i:i + 2], 16)) for i in (1, 3, 5))
    rules = [path for path in first.iterfind(".//ofd:PathObject", Q)
             if path.find("ofd:FillColor", Q) is not None and path.find("ofd:FillColor", Q).get("Value") == red]
    assert len(rules) == 1
    _left, top, width, height = (float(v) for v in rules[0].get("Boundary").split())
    assert width == pytest.approx(156, abs=0.5)  # the type area, 210 − 28 − 26 mm
    assert height == pytest.approx(float(issue.printed_series.masthead_rule_pt) * PT_TO_MM, abs=0.01)
    masthead = first.find(".//ofd:TextObject", Q)
    assert masthead.find("ofd:FillColor", Q).get("Value") == red
    assert float(masthead.get("Boundary").split()[1]) < top


def test_images_are_multimedia_resources_drawn_where_the_pdf_draws_them(docs):
    _issue, pdf, ofd = docs["hard"]
    package = _package(ofd)
    media = _xml(package, "Doc_0/DocumentRes.xml").findall("ofd:MultiMedias/ofd:MultiMedia", Q)
    assert len(media) == 1 and media[0].get("Type") == "Image"
    picture = Image.open(io.BytesIO(package.read("Doc_0/Res/" + media[0].findtext("ofd:MediaFile", namespaces=Q))))
    assert picture.size == (1200, 700)
    placed = [(i, image) for i, page in enumerate(_pages(package)) for image in page.iterfind(".//ofd:ImageObject", Q)]
    assert len(placed) == 1
    index, image = placed[0]
    assert image.get("ResourceID") == media[0].get("ID")
    with pdfplumber.open(io.BytesIO(pdf)) as plumber:
        [drawn] = plumber.pages[index].images
    box = [float(v) for v in image.get("Boundary").split()]
    assert box == pytest.approx([drawn["x0"] * PT_TO_MM, drawn["top"] * PT_TO_MM, drawn["width"] * PT_TO_MM,
                                 drawn["height"] * PT_TO_MM], abs=0.002)


@pytest.mark.parametrize("doc", ["demo", "hard"])
def test_one_bookmark_per_article_goes_to_the_page_of_its_title(docs, doc):
    _issue, _pdf, ofd = docs[doc]
    package = _package(ofd)
    document = _xml(package, "Doc_0/Document.xml")
    page_ids = [page.get("ID") for page in document.iterfind("ofd:Pages/ofd:Page", Q)]
    pages = _pages(package)
    outlines = document.findall("ofd:Outlines/ofd:OutlineElem", Q)
    assert [o.get("Title") for o in outlines] == docs["titles"][doc]
    for outline in outlines:
        dest = outline.find(".//ofd:Goto/ofd:Dest", Q)
        page = pages[page_ids.index(dest.get("PageID"))]
        text = "".join(code.text or "" for code in page.iterfind(".//ofd:TextCode", Q))
        assert outline.get("Title")[:8] in text


def test_the_same_pdf_always_gives_the_same_package(docs):
    issue, pdf, ofd = docs["demo"]
    again = ofd_from_pdf(pdf, OfdMetadata(title=f"{issue.printed_series.name} {issue.label}",
                                          author=issue.printed_series.compiling_office,
                                          creation_date=issue.issue_date,
                                          custom={"期号": issue.label, "刊名": issue.printed_series.name,
                                                  "总期号": f"总第{issue.total_number}期",
                                                  "印发单位": issue.printed_series.issuing_office}))
    assert again == ofd


@pytest.mark.parametrize("content", [b"", b"%PDF-1.7\n% fake for tests\n%%EOF\n", b"not a pdf at all"])
def test_what_is_not_a_readable_pdf_is_refused_with_the_reason(content):
    with pytest.raises(OfdError):
        ofd_from_pdf(content, OfdMetadata(title="x", creation_date=datetime.date(2021, 1, 1)))
