# ruff: noqa: E501  (the documents' Vietnamese text is kept on one line per cell)
"""Builds the import corpus: 2026 plan documents written as Vietnamese offices write them after
the 1/7/2025 reorganisation (no districts), and the expected reading of each
(``<name>.expected.json``).

Run from the repository root (needs python-docx; LibreOffice and poppler-utils for the
re-saved, text-export, PDF, scanned and .doc forms)::

    .venv/bin/python -m tests.data.plans.make_corpus             # everything
    .venv/bin/python -m tests.data.plans.make_corpus --no-office # .docx and own text forms only

Every document is described below row by row, as its author typed it; next to each task row
stand the values a person reads from it (``L`` lead, ``S`` support, ``U`` unassigned, ``P``
period). They are written by hand from the row — nothing here calls the importer. A lead is
taken from the cell only when the cell is one name with no separator, and a period from the
heading only when the row's time cell is empty (corpus_kit refuses anything else without
``L``/``S``/``P``). The period form is documented in README.md beside this file.

The generated files are committed: the tests need neither LibreOffice nor this script.
"""

from __future__ import annotations

import sys
from datetime import date

from tests.data.plans.corpus_kit import (
    Doc,
    Entry,
    Period,
    build,
    by,
    month,
    monthly,
    months,
    quarter,
)

ONGOING_YEAR = Period(date(2026, 1, 1), (date(2026, 12, 31),), "ongoing")

CAN_CU = "Căn cứ Luật Tổ chức chính quyền địa phương năm 2025;"


# --- 1. a commune: emulation and commendation (auto-numbered STT, quarter headings) ---------


def xa_nguyen_binh_tdkt() -> Doc:
    d = Doc(
        name="xa-nguyen-binh-tdkt-2026",
        kind="commune",
        parent="",
        issuer_lines=["ỦY BAN NHÂN DÂN", "XÃ NGUYÊN BÌNH"],
        number="Số: 12/KH-UBND",
        place_date="Nguyên Bình, ngày 14 tháng 01 năm 2026",
        title_lines=["KẾ HOẠCH", "Công tác thi đua, khen thưởng năm 2026"],
        preamble=[
            "Căn cứ Luật Thi đua, khen thưởng năm 2022;",
            "Căn cứ Nghị định số 152/2025/NĐ-CP ngày 14/6/2025 của Chính phủ quy định về phân cấp, phân quyền trong lĩnh vực thi đua, khen thưởng;",
            "Căn cứ Kế hoạch số 05/KH-UBND ngày 06/01/2026 của Ủy ban nhân dân tỉnh Cao Bằng về công tác thi đua, khen thưởng năm 2026;",
            "Ủy ban nhân dân xã Nguyên Bình xây dựng Kế hoạch công tác thi đua, khen thưởng năm 2026 như sau:",
            "I. MỤC ĐÍCH, YÊU CẦU",
            "Đẩy mạnh các phong trào thi đua yêu nước, gắn với thực hiện thắng lợi các chỉ tiêu phát triển kinh tế - xã hội năm 2026 của xã sau sắp xếp đơn vị hành chính.",
        ],
        columns=[
            ("stt", "STT"),
            ("task", "Nội dung công việc"),
            ("lead", "Cơ quan chủ trì"),
            ("support", "Cơ quan phối hợp"),
            ("time", "Thời gian thực hiện"),
            ("note", "Ghi chú"),
        ],
        issuer="Ủy ban nhân dân xã Nguyên Bình",
        title="Kế hoạch công tác thi đua, khen thưởng năm 2026",
        numbering="auto",
        closing=[
            "III. TỔ CHỨC THỰC HIỆN",
            "Giao Phòng Văn hóa - Xã hội theo dõi, đôn đốc, tổng hợp kết quả thực hiện Kế hoạch này, báo cáo Ủy ban nhân dân xã.",
            "Nơi nhận:",
            "- UBND tỉnh (b/c);",
            "- Sở Nội vụ;",
            "- Lưu: VT.",
            "TM. ỦY BAN NHÂN DÂN",
            "CHỦ TỊCH",
        ],
    )
    vp = "Văn phòng HĐND và UBND xã"
    vhxh = "Phòng Văn hóa - Xã hội"
    hd = "Hội đồng Thi đua - Khen thưởng xã"
    mt = "Ủy ban MTTQ Việt Nam xã"
    thon = "Các thôn, xóm"
    d.heading("I", "QUÝ I", period=quarter(1))
    d.task(
        "Ban hành Kế hoạch công tác thi đua, khen thưởng năm 2026",
        lead=vp,
        support=vhxh,
        time="Tháng 01/2026",
        P=month(1),
    )
    d.task(
        "Phát động phong trào thi đua yêu nước năm 2026 trên địa bàn xã",
        lead="UBND xã",
        support="Ủy ban MTTQ Việt Nam xã; các đoàn thể xã",
        time="Tháng 02/2026",
        S=[mt, "Các đoàn thể xã"],
        P=month(2),
    )
    d.task(
        "Kiện toàn Hội đồng Thi đua - Khen thưởng xã sau sắp xếp",
        lead="Phòng Văn hoá - Xã hội",
        support=vp,
        time="Trước ngày 15/02/2026",
        L=[vhxh],
        P=by("2026-02-15"),
    )
    d.task(
        "Tổng hợp hồ sơ đề nghị khen thưởng tổng kết năm 2025 gửi Sở Nội vụ",
        lead=vhxh,
        time="Tháng 01/2026",
        P=month(1),
    )
    d.task(
        "Đăng ký thi đua năm 2026 với Cụm thi đua các xã phía Tây tỉnh",
        lead="VP HĐND&UBND xã",
        time="Trước ngày 28/2/2026",
        L=[vp],
        P=by("2026-02-28"),
    )
    d.task(
        'Hướng dẫn các thôn, xóm đăng ký danh hiệu "Thôn, xóm văn hóa" năm 2026',
        lead=vhxh,
        support=thon,
        time="Quý I",
        S=[thon],
        P=quarter(1),
    )
    d.heading("II", "QUÝ II", period=quarter(2))
    d.task(
        'Xét khen thưởng tập thể, cá nhân có thành tích trong phong trào "Toàn dân bảo vệ an ninh Tổ quốc"',
        lead="Công an xã",
        support=f"{vhxh}; {hd}",
        time="Tháng 4/2026",
        S=[vhxh, hd],
        P=month(4),
    )
    d.task(
        "Sơ kết công tác thi đua, khen thưởng 6 tháng đầu năm 2026",
        lead=hd,
        support="Các thôn, xóm; các cơ quan, đơn vị trên địa bàn xã",
        time="Trước ngày 20/6/2026",
        S=[thon, "Các cơ quan, đơn vị trên địa bàn xã"],
        P=by("2026-06-20"),
    )
    d.task(
        "Khen thưởng tổng kết năm học 2025 - 2026",
        lead=vhxh,
        support="Trường Mầm non Nguyên Bình, Trường Tiểu học Nguyên Bình, Trường THCS Nguyên Bình",
        time="Tháng 5 - 6/2026",
        S=["Trường Mầm non Nguyên Bình", "Trường Tiểu học Nguyên Bình", "Trường THCS Nguyên Bình"],
        P=months(5, 6),
    )
    d.task(
        "Dự Hội nghị sơ kết Cụm thi đua các xã phía Tây tỉnh",
        lead="Đại biểu được chọn",
        L=[],
        U=["Đại biểu được chọn"],
    )
    d.repeat_header()
    d.heading("III", "QUÝ III", period=quarter(3))
    d.task(
        'Tổ chức Hội nghị biểu dương "Người tốt, việc tốt" năm 2026',
        lead="UBND xã",
        support=f"{vhxh}, {mt}",
        time="Tháng 8/2026",
        S=[vhxh, mt],
        P=month(8),
    )
    d.task(
        "Đề nghị khen thưởng thành tích phòng, chống thiên tai và tìm kiếm cứu nạn năm 2026",
        lead="Ban Chỉ huy Quân sự xã",
        support="Phòng Kinh tế",
        time="Tháng 9/2026",
        P=month(9),
    )
    d.task(
        "Kiểm tra công tác thi đua, khen thưởng tại các thôn, xóm",
        lead="Hội đồng thi đua khen thưởng xã",
        support=thon,
        L=[hd],
        S=[thon],
    )
    d.heading("IV", "QUÝ IV", period=quarter(4))
    d.task(
        "Hướng dẫn bình xét thi đua, khen thưởng năm 2026",
        lead=vhxh,
        time="Trước ngày 15/11/2026",
        P=by("2026-11-15"),
    )
    d.task(
        "Tổng kết công tác thi đua, khen thưởng năm 2026; xét, đề nghị khen thưởng cấp tỉnh",
        lead=hd,
        support=vp,
        time="Trước ngày 10/01/2027",
        P=by("2027-01-10"),
    )
    d.task(
        "Trình Chủ tịch UBND xã tặng Giấy khen tổng kết năm 2026",
        lead=vhxh,
        support=hd,
        time="Tháng 12/2026",
        P=month(12),
    )
    d.heading("V", "CÁC NHIỆM VỤ THƯỜNG XUYÊN", period=ONGOING_YEAR)
    d.task(
        "Cập nhật hồ sơ khen thưởng lên phần mềm quản lý thi đua, khen thưởng của tỉnh",
        lead="Trung tâm Phục vụ hành chính công xã",
        support=vhxh,
    )
    d.task(
        "Phát hiện, bồi dưỡng, nhân rộng điển hình tiên tiến; tuyên truyền gương người tốt, việc tốt",
        lead=vhxh,
        support=f"{mt}; Các thôn, xóm",
        S=[mt, thon],
    )
    d.task(
        "Khen thưởng đột xuất các tập thể, cá nhân có thành tích xuất sắc",
        lead=hd,
        support="Công an xã, Ban Chỉ huy Quân sự xã",
        S=["Công an xã", "Ban Chỉ huy Quân sự xã"],
    )
    return d


# --- 2. a ward: administrative reform (month headings, separate columns, products) ----------


def phuong_thuc_phan_cchc() -> Doc:
    d = Doc(
        name="phuong-thuc-phan-cchc-2026",
        kind="ward",
        parent="",
        issuer_lines=["ỦY BAN NHÂN DÂN", "PHƯỜNG THỤC PHÁN"],
        number="Số: 09/KH-UBND",
        place_date="Thục Phán, ngày 08 tháng 01 năm 2026",
        title_lines=["KẾ HOẠCH", "Cải cách hành chính năm 2026"],
        preamble=[
            CAN_CU,
            "Căn cứ Kế hoạch số 02/KH-UBND ngày 05/01/2026 của UBND tỉnh Cao Bằng về cải cách hành chính năm 2026;",
            "UBND phường Thục Phán ban hành Kế hoạch cải cách hành chính năm 2026 như sau:",
        ],
        columns=[
            ("stt", "TT"),
            ("task", "Nội dung nhiệm vụ"),
            ("lead", "Đơn vị chủ trì"),
            ("support", "Đơn vị phối hợp"),
            ("time", "Thời gian hoàn thành"),
            ("product", "Sản phẩm"),
        ],
        issuer="Ủy ban nhân dân phường Thục Phán",
        title="Kế hoạch cải cách hành chính năm 2026",
        restart_each_section=False,
        column_numbers=True,
    )
    vp = "Văn phòng HĐND và UBND phường"
    kt = "Phòng Kinh tế, Hạ tầng và Đô thị"
    vhxh = "Phòng Văn hóa - Xã hội"
    hcc = "Trung tâm Phục vụ hành chính công phường"
    tdp = "Các tổ dân phố"
    d.heading("THÁNG 1", period=month(1))
    d.task("Ban hành Kế hoạch cải cách hành chính năm 2026 của phường", lead=vp, product="Kế hoạch")
    d.task(
        "Ban hành Kế hoạch tuyên truyền cải cách hành chính năm 2026",
        lead=vhxh,
        support=vp,
        product="Kế hoạch",
    )
    d.task(
        "Rà soát, công khai danh mục thủ tục hành chính thuộc thẩm quyền giải quyết của phường",
        lead=hcc,
        support=f"{vp}, {kt}",
        time="Trước ngày 25/01/2026",
        S=[vp, kt],
        P=by("2026-01-25"),
        product="Danh mục TTHC được công khai",
    )
    d.heading("THÁNG 2", period=month(2))
    d.task(
        "Kiện toàn bộ phận một cửa phường, bố trí công chức tiếp nhận và trả kết quả",
        lead=vp,
        support=hcc,
        product="Quyết định",
    )
    d.task(
        "Triển khai đánh giá, chấm điểm Chỉ số cải cách hành chính năm 2025 của phường",
        lead=vp,
        support="Các phòng chuyên môn thuộc UBND phường",
        S=["Các phòng chuyên môn thuộc UBND phường"],
        time="Trước ngày 15/02/2026",
        P=by("2026-02-15"),
        product="Báo cáo tự chấm điểm",
    )
    d.heading("THÁNG 3", period=month(3))
    d.task(
        "Kiểm tra công tác cải cách hành chính tại các tổ dân phố",
        lead=vp,
        support=tdp,
        S=[tdp],
        product="Thông báo kết quả kiểm tra",
    )
    d.task(
        "Báo cáo cải cách hành chính quý I năm 2026",
        lead=vp,
        time="Trước ngày 12/3/2026",
        P=by("2026-03-12"),
        product="Báo cáo",
    )
    d.task(
        "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính còn hiệu lực",
        lead=hcc,
        support=kt,
        S=[kt],
        time="Tháng 3 - 4/2026",
        P=months(3, 4),
        product="Dữ liệu số hóa",
    )
    d.repeat_header()
    d.heading("THÁNG 4", period=month(4))
    d.task(
        "Khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính",
        lead=vp,
        support=f"{hcc}; {tdp}",
        S=[hcc, tdp],
        product="Báo cáo kết quả khảo sát",
    )
    d.task(
        "Rà soát, đơn giản hóa thủ tục hành chính lĩnh vực đất đai, xây dựng",
        lead=kt,
        L=[kt],
        support=hcc,
        product="Phương án đơn giản hóa",
    )
    d.heading("THÁNG 6", period=month(6))
    d.task(
        "Báo cáo cải cách hành chính 6 tháng đầu năm 2026",
        lead=vp,
        time="Trước ngày 12/6/2026",
        P=by("2026-06-12"),
        product="Báo cáo",
    )
    d.task(
        "Tổ chức Hội thi tìm hiểu cải cách hành chính trên địa bàn phường",
        lead=vhxh,
        support="Đoàn Thanh niên phường, Hội Liên hiệp Phụ nữ phường",
        S=["Đoàn Thanh niên phường", "Hội Liên hiệp Phụ nữ phường"],
        product="Hội thi",
    )
    d.heading("THÁNG 9", period=month(9))
    d.task(
        "Báo cáo cải cách hành chính quý III năm 2026",
        lead=vp,
        time="Trước ngày 12/9/2026",
        P=by("2026-09-12"),
        product="Báo cáo",
    )
    d.task(
        "Kiểm tra việc thực hiện quy chế văn hóa công sở tại các phòng chuyên môn",
        lead=vp,
        support=vhxh,
        product="Thông báo kết luận",
    )
    d.heading("THÁNG 12", period=month(12))
    d.task(
        "Báo cáo cải cách hành chính năm 2026",
        lead=vp,
        time="Trước ngày 10/12/2026",
        P=by("2026-12-10"),
        product="Báo cáo",
    )
    d.task(
        "Xây dựng Kế hoạch cải cách hành chính năm 2027",
        lead=vp,
        support="Các phòng chuyên môn thuộc UBND phường",
        S=["Các phòng chuyên môn thuộc UBND phường"],
        time="Trước ngày 05/01/2027",
        P=by("2027-01-05"),
        product="Kế hoạch",
    )
    d.heading("CÔNG VIỆC THỰC HIỆN THƯỜNG XUYÊN", period=ONGOING_YEAR)
    d.task(
        "Tiếp nhận, giải quyết thủ tục hành chính trên Hệ thống thông tin giải quyết thủ tục hành chính tỉnh",
        lead=hcc,
        support=f"{kt}, {vhxh}",
        S=[kt, vhxh],
        product="Hồ sơ đúng hạn",
    )
    d.task(
        "Cập nhật, công khai tiến độ giải quyết hồ sơ trên Cổng dịch vụ công quốc gia",
        lead=hcc,
        time="Hằng tháng",
        P=monthly(),
        product="Số liệu công khai",
    )
    return d


DOCUMENTS = [
    Entry(xa_nguyen_binh_tdkt(), (".lo.docx", ".tab.txt", ".pdf")),
    Entry(phuong_thuc_phan_cchc(), (".md", ".pdf")),
]

if __name__ == "__main__":
    build(DOCUMENTS, office="--no-office" not in sys.argv)
