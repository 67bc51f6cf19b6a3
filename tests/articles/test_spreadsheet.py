from articles.archive.spreadsheet import cell, safe_rows


def test_text_that_excel_would_read_as_a_formula_gets_an_apostrophe():
    assert [cell(v) for v in ["=1+1", "+86 28", "-3", "@SUM(A1)", "\t=1", "省地方志办", "", 3, None]] == [
        "'=1+1", "'+86 28", "'-3", "'@SUM(A1)", "'\t=1", "省地方志办", "", 3, None]
    assert safe_rows([["=A1", "甲"]]) == [["'=A1", "甲"]]
