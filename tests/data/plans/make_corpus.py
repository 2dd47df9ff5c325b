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
    day,
    half,
    last_week,
    month,
    monthly,
    months,
    multi,
    ongoing,
    quarter,
    quarterly,
    semester,
    span,
    week,
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


# --- 3. a special zone: digital transformation (one units column, role forms, no periods) ---


def dac_khu_van_don_cds() -> Doc:
    d = Doc(
        name="dac-khu-van-don-cds-2026",
        kind="special zone",
        parent="",
        issuer_lines=["ỦY BAN NHÂN DÂN", "ĐẶC KHU VÂN ĐỒN"],
        number="Số: 21/KH-UBND",
        place_date="Vân Đồn, ngày 20 tháng 01 năm 2026",
        title_lines=["KẾ HOẠCH", "Chuyển đổi số năm 2026"],
        preamble=[
            CAN_CU,
            "Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia;",
            "Căn cứ Kế hoạch số 15/KH-UBND ngày 10/01/2026 của UBND tỉnh Quảng Ninh về chuyển đổi số năm 2026;",
            "UBND đặc khu Vân Đồn ban hành Kế hoạch chuyển đổi số năm 2026 như sau:",
        ],
        columns=[
            ("stt", "STT"),
            ("task", "Nhiệm vụ"),
            ("units", "Cơ quan, đơn vị thực hiện"),
            ("time", "Thời hạn"),
            ("product", "Kết quả"),
        ],
        issuer="Ủy ban nhân dân đặc khu Vân Đồn",
        title="Kế hoạch chuyển đổi số năm 2026",
    )
    vp = "Văn phòng HĐND và UBND đặc khu"
    vhxh = "Phòng Văn hóa - Xã hội"
    kt = "Phòng Kinh tế, Hạ tầng và Đô thị"
    hcc = "Trung tâm Phục vụ hành chính công đặc khu"
    ca = "Công an đặc khu"
    thon = "Các thôn, khu"
    d.heading("I", "XÂY DỰNG CHÍNH QUYỀN SỐ")
    d.task(
        "Xây dựng Kế hoạch chuyển đổi số năm 2026 của đặc khu",
        units=f"{vp} chủ trì, phối hợp với {vhxh}",
        L=[vp],
        S=[vhxh],
        time="Tháng 01/2026",
        P=month(1),
        product="Kế hoạch",
    )
    d.task(
        "Duy trì vận hành hệ thống họp trực tuyến từ đặc khu đến các thôn, khu",
        units=f"Chủ trì: {vp}; Phối hợp: VNPT Quảng Ninh, Viettel Quảng Ninh",
        L=[vp],
        S=["VNPT Quảng Ninh", "Viettel Quảng Ninh"],
        time="Thường xuyên",
        P=ongoing(),
    )
    d.task(
        "Số hóa hồ sơ, giấy tờ, kết quả giải quyết thủ tục hành chính",
        units=f"{hcc} (chủ trì); {kt}, {vhxh} (phối hợp)",
        L=[hcc],
        S=[kt, vhxh],
        time="Tháng 6 và tháng 12/2026",
        P=multi("2026-06-01", "2026-06-30", "2026-12-31"),
        product="Tỷ lệ hồ sơ được số hóa",
    )
    d.task(
        "Bảo đảm an toàn thông tin mạng cho các hệ thống thông tin của đặc khu",
        units=f"Chủ trì: VP HĐND-UBND đặc khu; Phối hợp: {ca}",
        L=[vp],
        S=[ca],
        time="Cả năm",
        P=ongoing(),
    )
    d.heading("II", "PHÁT TRIỂN KINH TẾ SỐ")
    d.task(
        "Triển khai thanh toán không dùng tiền mặt tại các chợ, bến tàu khách",
        units=f"{kt} chủ trì; Agribank Chi nhánh Vân Đồn phối hợp",
        L=[kt],
        S=["Agribank Chi nhánh Vân Đồn"],
        time="Quý II",
        P=quarter(2),
    )
    d.task(
        "Hỗ trợ hộ kinh doanh, hợp tác xã đưa sản phẩm OCOP lên sàn thương mại điện tử",
        units=f"{kt} chủ trì, phối hợp với Bưu điện đặc khu và Đoàn Thanh niên đặc khu",
        L=[kt],
        S=["Bưu điện đặc khu", "Đoàn Thanh niên đặc khu"],
        time="Quý III",
        P=quarter(3),
        product="Số sản phẩm lên sàn",
    )
    d.task(
        "Rà soát hạ tầng mạng di động, bảo đảm phủ sóng 4G, 5G tại các thôn, khu và các đảo có dân cư",
        units=f"- {kt}\n- Viettel Quảng Ninh phối hợp\n- VNPT Quảng Ninh phối hợp",
        L=[kt],
        S=["Viettel Quảng Ninh", "VNPT Quảng Ninh"],
        time="Trước ngày 30/9/2026",
        P=by("2026-09-30"),
    )
    d.heading("III", "PHÁT TRIỂN XÃ HỘI SỐ")
    d.task(
        "Kiện toàn Tổ công nghệ số cộng đồng tại các thôn, khu",
        units=f"{vhxh} chủ trì, phối hợp với Đoàn Thanh niên đặc khu và các thôn, khu",
        L=[vhxh],
        S=["Đoàn Thanh niên đặc khu", thon],
        time="Trước ngày 28/02/2026",
        P=by("2026-02-28"),
        product="Quyết định kiện toàn",
    )
    d.task(
        "Tuyên truyền, hướng dẫn người dân cài đặt, sử dụng ứng dụng VNeID và dịch vụ công trực tuyến",
        units=f"Chủ trì: {ca}\nPhối hợp: {vhxh}, các thôn, khu",
        L=[ca],
        S=[vhxh, thon],
        time="6 tháng đầu năm",
        P=half(1),
    )
    d.task(
        "Tổ chức Ngày Chuyển đổi số của đặc khu (10/10)",
        units=f"{vhxh} chủ trì, phối hợp với các cơ quan, đơn vị có liên quan",
        L=[vhxh],
        S=["Các cơ quan, đơn vị có liên quan"],
        time="Tuần 2 tháng 10",
        P=week(2, 10),
    )
    d.heading("IV", "KIỂM TRA, ĐÁNH GIÁ")
    d.task(
        "Cập nhật dữ liệu dân cư, đất đai vào cơ sở dữ liệu dùng chung của tỉnh",
        units=f"{ca}, {kt} (chủ trì); {hcc} (phối hợp)",
        L=[ca, kt],
        S=[hcc],
        time="Hằng quý",
        P=quarterly(),
    )
    d.task(
        "Đánh giá, xếp hạng mức độ chuyển đổi số của các thôn, khu năm 2026",
        units=f"{vp} (chủ trì); các thôn, khu (phối hợp)",
        L=[vp],
        S=[thon],
        time="Trước ngày 15/12/2026",
        P=by("2026-12-15"),
        product="Bảng xếp hạng",
    )
    d.task(
        "Báo cáo kết quả chuyển đổi số năm 2026 gửi Sở Khoa học và Công nghệ",
        units=vp,
        time="Trước ngày 10/01/2027",
        P=by("2027-01-10"),
        product="Báo cáo",
    )
    return d


# --- 4. a commune: new countryside (half-year headings, continuous numbers; UTF-16 text) ----


def xa_hoa_an_ntm() -> Doc:
    d = Doc(
        name="xa-hoa-an-ntm-2026",
        kind="commune",
        parent="",
        issuer_lines=["ỦY BAN NHÂN DÂN", "XÃ HÒA AN"],
        number="Số: 07/KH-UBND",
        place_date="Hòa An, ngày 12 tháng 01 năm 2026",
        title_lines=[
            "KẾ HOẠCH",
            "Thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm 2026",
        ],
        preamble=[
            CAN_CU,
            "Căn cứ Quyết định số 1689/QĐ-TTg ngày 11/10/2021 của Thủ tướng Chính phủ;",
            "UBND xã Hòa An xây dựng Kế hoạch thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm 2026 như sau:",
        ],
        columns=[
            ("stt", "STT"),
            ("task", "Nhiệm vụ"),
            ("lead", "Chủ trì"),
            ("support", "Phối hợp"),
            ("time", "Thời gian"),
            ("product", "Kết quả"),
        ],
        issuer="Ủy ban nhân dân xã Hòa An",
        title="Kế hoạch thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm 2026",
        restart_each_section=False,
    )
    kt = "Phòng Kinh tế"
    vp = "Văn phòng HĐND và UBND xã"
    vhxh = "Phòng Văn hóa - Xã hội"
    mt = "Ủy ban MTTQ Việt Nam xã"
    thon = "Các thôn, xóm"
    d.heading("I", "6 THÁNG ĐẦU NĂM", period=half(1))
    d.task(
        "Xây dựng kế hoạch thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm 2026",
        lead=kt,
        support=vp,
        time="Trước ngày 31/01/2026",
        P=by("2026-01-31"),
        product="Kế hoạch",
    )
    d.task(
        "Rà soát, đánh giá mức độ đạt các tiêu chí xã nông thôn mới nâng cao",
        lead=kt,
        support=thon,
        S=[thon],
        time="Tháng 3/2026",
        P=month(3),
        product="Báo cáo rà soát",
    )
    d.task(
        'Phát động phong trào "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh"',
        lead=mt,
        support="Hội Nông dân xã; Hội Liên hiệp Phụ nữ xã; Đoàn Thanh niên xã",
        S=["Hội Nông dân xã", "Hội Liên hiệp Phụ nữ xã", "Đoàn Thanh niên xã"],
        time="Quý I",
        P=quarter(1),
    )
    d.task(
        "Hỗ trợ Hợp tác xã Nông nghiệp Hòa An xây dựng sản phẩm OCOP",
        lead=kt,
        support="Hợp tác xã Nông nghiệp Hòa An, Hội Nông dân xã",
        S=["Hợp tác xã Nông nghiệp Hòa An", "Hội Nông dân xã"],
        time="Tháng 4 - 5/2026",
        P=months(4, 5),
        product="Sản phẩm OCOP 3 sao",
    )
    d.task(
        "Ra quân làm đường giao thông nông thôn, vệ sinh môi trường",
        lead=thon,
        L=[thon],
        support="Đoàn Thanh niên xã, Hội Cựu chiến binh xã",
        S=["Đoàn Thanh niên xã", "Hội Cựu chiến binh xã"],
    )
    d.task(
        "Kiểm tra, đánh giá tiêu chí y tế, môi trường và an toàn thực phẩm",
        lead="Trạm Y tế xã",
        support=vhxh,
        time="Tháng 6/2026",
        P=month(6),
    )
    d.heading("II", "6 THÁNG CUỐI NĂM", period=half(2))
    d.task(
        "Sơ kết 6 tháng thực hiện Chương trình xây dựng nông thôn mới",
        lead=vp,
        support=kt,
        time="Tháng 7/2026",
        P=month(7),
        product="Báo cáo sơ kết",
    )
    d.task(
        "Vận động Nhân dân hiến đất mở rộng đường liên thôn",
        lead=mt,
        support=thon,
        S=[thon],
        time="Quý III",
        P=quarter(3),
    )
    d.task(
        'Xây dựng mô hình "Khu dân cư kiểu mẫu" tại 02 xóm',
        lead=vhxh,
        support=f"{mt}; Các thôn, xóm",
        S=[mt, thon],
        time="Tháng 8 - 10/2026",
        P=months(8, 10),
    )
    d.task(
        "Hoàn thiện hồ sơ đề nghị công nhận xã đạt chuẩn nông thôn mới nâng cao",
        lead=kt,
        support="Các phòng, đơn vị thuộc UBND xã",
        S=["Các phòng, đơn vị thuộc UBND xã"],
        time="Trước ngày 30/11/2026",
        P=by("2026-11-30"),
        product="Hồ sơ đề nghị",
    )
    d.task(
        "Tổng kết công tác xây dựng nông thôn mới năm 2026",
        lead=vp,
        support=f"{kt}, {vhxh}",
        S=[kt, vhxh],
        time="Tháng 12/2026",
        P=month(12),
    )
    d.task(
        "Tuyên truyền về xây dựng nông thôn mới trên hệ thống truyền thanh xã",
        lead=vhxh,
        time="Thường xuyên",
        P=ongoing(),
    )
    return d


# --- 5. a provincial department: emulation (Sở Nội vụ; commas inside names) -----------------


def so_noi_vu_tdkt() -> Doc:
    d = Doc(
        name="so-noi-vu-cao-bang-tdkt-2026",
        kind="department",
        parent="UBND TỈNH CAO BẰNG",
        issuer_lines=["SỞ NỘI VỤ"],
        number="Số: 35/KH-SNV",
        place_date="Cao Bằng, ngày 15 tháng 01 năm 2026",
        title_lines=["KẾ HOẠCH", "Công tác thi đua, khen thưởng năm 2026 của Sở Nội vụ"],
        preamble=[
            "Căn cứ Luật Thi đua, khen thưởng năm 2022;",
            "Căn cứ Kế hoạch số 05/KH-UBND ngày 06/01/2026 của UBND tỉnh Cao Bằng về công tác thi đua, khen thưởng năm 2026;",
            "Sở Nội vụ xây dựng Kế hoạch công tác thi đua, khen thưởng năm 2026 như sau:",
        ],
        columns=[
            ("stt", "STT"),
            ("task", "Nội dung"),
            ("lead", "Bộ phận chủ trì"),
            ("support", "Bộ phận phối hợp"),
            ("time", "Thời gian"),
        ],
        issuer="Sở Nội vụ",
        title="Kế hoạch công tác thi đua, khen thưởng năm 2026 của Sở Nội vụ",
    )
    tdkt = "Ban Thi đua - Khen thưởng"
    vps = "Văn phòng Sở"
    ccvc = "Phòng Công chức, viên chức"
    tt = "Thanh tra Sở"
    d.heading("I", "QUÝ I (tháng 1 - 3)", period=quarter(1))
    d.task(
        "Tham mưu UBND tỉnh ban hành Kế hoạch công tác thi đua, khen thưởng năm 2026",
        lead=tdkt,
        support=vps,
        time="Tháng 01/2026",
        P=month(1),
    )
    d.task(
        "Hướng dẫn các cụm, khối thi đua của tỉnh tổ chức ký kết giao ước thi đua năm 2026",
        lead=tdkt,
        support="Các cụm, khối thi đua của tỉnh",
        S=["Các cụm, khối thi đua của tỉnh"],
        time="Trước ngày 15/3/2026",
        P=by("2026-03-15"),
    )
    d.task(
        "Thẩm định hồ sơ khen thưởng tổng kết năm 2025 của các sở, ban, ngành, UBND các xã, phường",
        lead=tdkt,
        support=f"{ccvc}; {tt}",
        S=[ccvc, tt],
        time="Quý I",
        P=quarter(1),
    )
    d.task(
        "Tổ chức Hội nghị triển khai nhiệm vụ công tác nội vụ năm 2026",
        lead=vps,
        support="Các phòng, ban, đơn vị thuộc Sở",
        S=["Các phòng, ban, đơn vị thuộc Sở"],
        time="Tháng 02/2026",
        P=month(2),
    )
    d.heading("II", "QUÝ II (tháng 4 - 6)", period=quarter(2))
    d.task(
        "Phối hợp tuyên truyền gương điển hình tiên tiến, người tốt, việc tốt",
        lead=tdkt,
        support="Sở Văn hóa, Thể thao và Du lịch, Báo và Phát thanh, Truyền hình tỉnh",
        S=["Sở Văn hóa, Thể thao và Du lịch", "Báo và Phát thanh, Truyền hình tỉnh"],
    )
    d.task(
        "Kiểm tra công tác thi đua, khen thưởng tại một số sở, ngành và UBND xã, phường",
        lead=tdkt,
        support=tt,
        time="Tháng 5 - 6/2026",
        P=months(5, 6),
    )
    d.task(
        "Thẩm định hồ sơ khen thưởng tổng kết năm học 2025 - 2026 của ngành Giáo dục",
        lead=tdkt,
        support="Sở Giáo dục và Đào tạo",
        time="Trước ngày 30/6/2026",
        P=by("2026-06-30"),
    )
    d.task(
        "Bố trí kinh phí khen thưởng năm 2026 từ Quỹ thi đua, khen thưởng",
        lead=vps,
        support="Sở TC",
        S=["Sở Tài chính"],
    )
    d.heading("III", "QUÝ III (tháng 7 - 9)", period=quarter(3))
    d.task(
        "Sơ kết công tác thi đua, khen thưởng 6 tháng đầu năm 2026 của tỉnh",
        lead=tdkt,
        support=vps,
        time="Tháng 7/2026",
        P=month(7),
    )
    d.task(
        'Rà soát tiêu chuẩn xét tặng danh hiệu "Chiến sĩ thi đua" đối với công chức, viên chức',
        lead=ccvc,
        L=[ccvc],
        support=tdkt,
        time="Quý III",
        P=quarter(3),
    )
    d.task(
        'Hướng dẫn khen thưởng phong trào thi đua "Cả nước chung tay vì người nghèo - Không để ai bị bỏ lại phía sau"',
        lead="Phòng Lao động, việc làm và bảo trợ xã hội",
        L=["Phòng Lao động, việc làm và bảo trợ xã hội"],
        support=tdkt,
        time="Tháng 9/2026",
        P=month(9),
    )
    d.heading("IV", "QUÝ IV (tháng 10 - 12)", period=quarter(4))
    d.task(
        "Hướng dẫn bình xét thi đua, khen thưởng năm 2026",
        lead=tdkt,
        time="Tháng 10/2026",
        P=month(10),
    )
    d.task(
        "Tham mưu tổng kết công tác thi đua, khen thưởng năm 2026",
        lead=tdkt,
        support=f"{vps}, {tt}",
        S=[vps, tt],
        time="Trước ngày 20/12/2026",
        P=by("2026-12-20"),
    )
    d.task(
        "Tổng hợp hồ sơ đề nghị Thủ tướng Chính phủ tặng Bằng khen, Cờ thi đua",
        lead=tdkt,
        support="Các sở, ban, ngành, UBND các xã, phường",
        S=["Các sở, ban, ngành", "UBND các xã, phường"],
        time="Tháng 12/2026 - tháng 01/2027",
        P=span("2026-12-01", "2027-01-31"),
    )
    return d


# --- 6. the province: administrative reform (domain headings in roman numerals; abbreviations)


def ubnd_tinh_cao_bang_cchc() -> Doc:
    d = Doc(
        name="ubnd-tinh-cao-bang-cchc-2026",
        kind="province",
        parent="",
        issuer_lines=["ỦY BAN NHÂN DÂN", "TỈNH CAO BẰNG"],
        number="Số: 02/KH-UBND",
        place_date="Cao Bằng, ngày 05 tháng 01 năm 2026",
        title_lines=["KẾ HOẠCH", "Cải cách hành chính tỉnh Cao Bằng năm 2026"],
        preamble=[
            "Căn cứ Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ ban hành Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021 - 2030;",
            "Ủy ban nhân dân tỉnh ban hành Kế hoạch cải cách hành chính năm 2026 như sau:",
        ],
        columns=[
            ("stt", "TT"),
            ("task", "Nội dung công việc"),
            ("lead", "Cơ quan chủ trì"),
            ("support", "Cơ quan phối hợp"),
            ("time", "Thời gian hoàn thành"),
            ("product", "Sản phẩm"),
        ],
        issuer="Ủy ban nhân dân tỉnh Cao Bằng",
        title="Kế hoạch cải cách hành chính tỉnh Cao Bằng năm 2026",
        numbering="mixed",
    )
    sbn = "Các sở, ban, ngành"
    xp = "UBND các xã, phường"
    vpt = "Văn phòng UBND tỉnh"
    nv = "Sở Nội vụ"
    d.heading("I", "CẢI CÁCH THỂ CHẾ")
    d.task(
        "Xây dựng, ban hành văn bản quy phạm pháp luật theo Chương trình năm 2026",
        lead="Sở Tư pháp",
        support=sbn,
        S=[sbn],
        time="Cả năm",
        P=ongoing(),
        product="Văn bản QPPL",
    )
    d.task(
        "Rà soát, hệ thống hóa văn bản quy phạm pháp luật của HĐND, UBND tỉnh",
        lead="Sở Tư pháp",
        support=f"{vpt}, các sở, ban, ngành",
        S=[vpt, sbn],
        time="Trước ngày 31/3/2026",
        P=by("2026-03-31"),
        product="Quyết định công bố",
    )
    d.heading("II", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH")
    d.task(
        "Công bố, công khai danh mục thủ tục hành chính",
        lead=vpt,
        support=sbn,
        S=[sbn],
        time="Thường xuyên",
        P=ongoing(),
        product="Quyết định công bố",
        auto=True,
    )
    d.task(
        "Giải quyết thủ tục hành chính không phụ thuộc địa giới hành chính trong phạm vi tỉnh",
        lead="Trung tâm Phục vụ hành chính công tỉnh",
        support=xp,
        S=[xp],
        time="Quý II",
        P=quarter(2),
        auto=True,
    )
    d.task(
        "Tiếp nhận, số hóa hồ sơ thủ tục hành chính tại Trung tâm và bộ phận một cửa cấp xã",
        lead="Trung tâm PVHCC tỉnh",
        L=["Trung tâm Phục vụ hành chính công tỉnh"],
        support=xp,
        S=[xp],
        time="Hằng tháng",
        P=monthly(),
        product="Báo cáo số liệu",
        auto=True,
    )
    d.heading("III", "CẢI CÁCH TỔ CHỨC BỘ MÁY HÀNH CHÍNH NHÀ NƯỚC")
    d.task(
        "Rà soát, sắp xếp các đơn vị sự nghiệp công lập sau hợp nhất",
        lead=nv,
        support=f"{sbn}; {xp}",
        S=[sbn, xp],
        time="6 tháng đầu năm",
        P=half(1),
        auto=True,
    )
    d.task(
        "Xây dựng đề án vị trí việc làm của các cơ quan hành chính cấp xã",
        lead=nv,
        support=xp,
        S=[xp],
        time="Trước ngày 30/9/2026",
        P=by("2026-09-30"),
        product="Đề án",
        auto=True,
    )
    d.heading("IV", "CẢI CÁCH CHẾ ĐỘ CÔNG VỤ")
    d.task(
        "Tổ chức thi tuyển, xét tuyển công chức, viên chức năm 2026",
        lead=nv,
        support=sbn,
        S=[sbn],
        time="Quý III - IV",
        P=months(7, 12),
        auto=True,
    )
    d.task(
        "Bồi dưỡng kỹ năng số cho cán bộ, công chức cấp xã",
        lead=nv,
        support="Sở KH&CN",
        S=["Sở Khoa học và Công nghệ"],
        time="Tháng 8 - 9/2026",
        P=months(8, 9),
        auto=True,
    )
    d.heading("V", "CẢI CÁCH TÀI CHÍNH CÔNG")
    d.task(
        "Giao dự toán ngân sách năm 2027 cho các cơ quan, đơn vị",
        lead="Sở TC",
        L=["Sở Tài chính"],
        support=f"{sbn}, {xp}",
        S=[sbn, xp],
        time="Trước ngày 10/12/2026",
        P=by("2026-12-10"),
        product="Quyết định giao dự toán",
        auto=True,
    )
    d.heading("VI", "XÂY DỰNG CHÍNH QUYỀN ĐIỆN TỬ, CHÍNH QUYỀN SỐ")
    d.task(
        "Vận hành Hệ thống thông tin giải quyết thủ tục hành chính tỉnh",
        lead="Sở KH&CN",
        L=["Sở Khoa học và Công nghệ"],
        support=vpt,
        time="Thường xuyên",
        P=ongoing(),
        auto=True,
    )
    d.task(
        "Tuyên truyền cải cách hành chính trên Báo và Phát thanh, Truyền hình tỉnh",
        lead="Báo và Phát thanh, Truyền hình tỉnh",
        L=["Báo và Phát thanh, Truyền hình tỉnh"],
        support="Sở Văn hóa, Thể thao và Du lịch",
        S=["Sở Văn hóa, Thể thao và Du lịch"],
        time="Hằng quý",
        P=quarterly(),
        product="Chuyên mục",
        auto=True,
    )
    d.heading("VII", "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH")
    d.task(
        "Báo cáo cải cách hành chính 6 tháng và năm 2026",
        lead=nv,
        support=f"{sbn}; {xp}",
        S=[sbn, xp],
        time="Tháng 6 và tháng 12/2026",
        P=multi("2026-06-01", "2026-06-30", "2026-12-31"),
        product="Báo cáo",
        auto=True,
    )
    d.task(
        "Kiểm tra cải cách hành chính tại các sở, ban, ngành và UBND các xã, phường",
        lead=nv,
        support=f"{vpt}, Sở Tư pháp",
        S=[vpt, "Sở Tư pháp"],
        time="Quý II và quý III",
        P=multi("2026-04-01", "2026-06-30", "2026-09-30"),
        auto=True,
    )
    d.task(
        "Xác định Chỉ số cải cách hành chính năm 2026 của các sở, ban, ngành và UBND các xã, phường",
        lead=nv,
        support="Hội đồng thẩm định Chỉ số cải cách hành chính tỉnh",
        time="Trước ngày 10/01/2027",
        P=by("2027-01-10"),
        product="Quyết định công bố",
        auto=True,
    )
    return d


# --- 7. a provincial board: digital transformation (one units column, "- X" bullets) --------


def bql_kkt_quang_ninh_cds() -> Doc:
    d = Doc(
        name="bql-kkt-quang-ninh-cds-2026",
        kind="board",
        parent="UBND TỈNH QUẢNG NINH",
        issuer_lines=["BAN QUẢN LÝ KHU KINH TẾ"],
        number="Số: 27/KH-BQLKKT",
        place_date="Quảng Ninh, ngày 22 tháng 01 năm 2026",
        title_lines=["KẾ HOẠCH", "Chuyển đổi số năm 2026 của Ban Quản lý Khu kinh tế tỉnh"],
        preamble=[
            "Căn cứ Kế hoạch số 15/KH-UBND ngày 10/01/2026 của UBND tỉnh Quảng Ninh về chuyển đổi số năm 2026;",
            "Ban Quản lý Khu kinh tế tỉnh xây dựng Kế hoạch chuyển đổi số năm 2026 như sau:",
        ],
        columns=[
            ("stt", "STT"),
            ("task", "Nhiệm vụ"),
            ("units", "Đơn vị thực hiện"),
            ("time", "Thời gian"),
            ("note", "Ghi chú"),
        ],
        issuer="Ban Quản lý Khu kinh tế",
        title="Kế hoạch chuyển đổi số năm 2026 của Ban Quản lý Khu kinh tế tỉnh",
    )
    vpb = "Văn phòng Ban"
    dt = "Phòng Quản lý đầu tư"
    dn = "Phòng Quản lý doanh nghiệp, lao động"
    qh = "Phòng Quy hoạch, xây dựng và môi trường"
    dnk = "Các doanh nghiệp trong khu công nghiệp, khu kinh tế"
    d.heading("Quý 1", period=quarter(1))
    d.task(
        "Ban hành Kế hoạch chuyển đổi số năm 2026 của Ban",
        units=f"- {vpb}",
        L=[vpb],
        time="Tháng 01/2026",
        P=month(1),
    )
    d.task(
        "Cập nhật dữ liệu dự án đầu tư vào Hệ thống thông tin quốc gia về đầu tư",
        units=f"- {dt}\n- {vpb} phối hợp",
        L=[dt],
        S=[vpb],
    )
    d.task(
        "Triển khai chữ ký số cho 100% công chức, viên chức của Ban",
        units=f"{vpb} chủ trì, phối hợp với Viettel Quảng Ninh",
        L=[vpb],
        S=["Viettel Quảng Ninh"],
        time="Trước ngày 31/3/2026",
        P=by("2026-03-31"),
    )
    d.heading("Quý 2", period=quarter(2))
    d.task(
        "Số hóa hồ sơ quy hoạch chi tiết các khu công nghiệp",
        units=f"- {qh}\n- Trung tâm Xúc tiến và Hỗ trợ đầu tư phối hợp",
        L=[qh],
        S=["Trung tâm Xúc tiến và Hỗ trợ đầu tư"],
        time="Tháng 4 - 6/2026",
        P=months(4, 6),
    )
    d.task(
        "Hướng dẫn doanh nghiệp báo cáo trực tuyến về tình hình sử dụng lao động",
        units=f"{dn} chủ trì, phối hợp với các doanh nghiệp trong khu công nghiệp, khu kinh tế",
        L=[dn],
        S=[dnk],
    )
    d.task(
        "Cấp giấy phép lao động cho người lao động nước ngoài qua dịch vụ công trực tuyến",
        units=f"- {dn}\n- Sở Nội vụ phối hợp",
        L=[dn],
        S=["Sở Nội vụ"],
        time="Tháng 5/2026",
        P=month(5),
    )
    d.heading("Quý 3", period=quarter(3))
    d.task(
        "Kết nối, chia sẻ dữ liệu doanh nghiệp với UBND các xã, phường, đặc khu",
        units=f"- {vpb}\n- UBND các xã, phường, đặc khu phối hợp",
        L=[vpb],
        S=["UBND các xã, phường, đặc khu"],
    )
    d.task(
        "Đánh giá mức độ an toàn thông tin các hệ thống của Ban",
        units=f"{vpb} (chủ trì); Công an tỉnh (phối hợp)",
        L=[vpb],
        S=["Công an tỉnh"],
        time="Tuần 2 tháng 9",
        P=week(2, 9),
    )
    d.heading("Quý 4", period=quarter(4))
    d.task(
        "Tọa đàm chuyển đổi số cho doanh nghiệp khu kinh tế",
        units=f"{dt} chủ trì, phối hợp với Sở Khoa học và Công nghệ và các doanh nghiệp trong khu công nghiệp, khu kinh tế",
        L=[dt],
        S=["Sở Khoa học và Công nghệ", dnk],
        time="tuần đầu tháng 10",
        P=week(1, 10),
    )
    d.task(
        "Báo cáo kết quả chuyển đổi số năm 2026",
        units=f"- {vpb}",
        L=[vpb],
        time="Trước ngày 05/12/2026",
        P=by("2026-12-05"),
    )
    d.heading("Nhiệm vụ thường xuyên", period=ONGOING_YEAR)
    d.task(
        "Vận hành hệ thống quản lý văn bản và điều hành, hồ sơ công việc trên môi trường mạng",
        units=f"- {vpb}",
        L=[vpb],
    )
    d.task(
        "Cập nhật thông tin trên Cổng thông tin điện tử của Ban",
        units=f"- {vpb}\n- Các phòng, đơn vị thuộc Ban phối hợp",
        L=[vpb],
        S=["Các phòng, đơn vị thuộc Ban"],
    )
    return d


# --- 8. a secondary school: the school year (semester and month headings, weeks, roles) ----


def thcs_thuc_phan_nam_hoc() -> Doc:
    d = Doc(
        name="thcs-thuc-phan-nam-hoc-2026-2027",
        kind="school",
        parent="UBND PHƯỜNG THỤC PHÁN",
        issuer_lines=["TRƯỜNG THCS THỤC PHÁN"],
        number="Số: 45/KH-THCS",
        place_date="Thục Phán, ngày 25 tháng 8 năm 2026",
        title_lines=["KẾ HOẠCH", "Thực hiện nhiệm vụ năm học 2026 - 2027"],
        preamble=[
            "Căn cứ Quyết định của Chủ tịch UBND tỉnh Cao Bằng ban hành Kế hoạch thời gian năm học 2026 - 2027 đối với giáo dục mầm non, giáo dục phổ thông và giáo dục thường xuyên;",
            "Trường THCS Thục Phán xây dựng Kế hoạch thực hiện nhiệm vụ năm học 2026 - 2027 như sau:",
        ],
        columns=[
            ("stt", "TT"),
            ("task", "Nội dung công việc"),
            ("lead", "Người phụ trách"),
            ("support", "Người phối hợp"),
            ("time", "Thời gian"),
        ],
        issuer="Trường THCS Thục Phán",
        title="Kế hoạch thực hiện nhiệm vụ năm học 2026 - 2027",
        restart_each_section=False,
    )
    ht, pht, tt = "Hiệu trưởng", "Phó Hiệu trưởng", "Tổ trưởng chuyên môn"
    gvcn = "Giáo viên chủ nhiệm các lớp"
    d.heading("HỌC KỲ I NĂM HỌC 2026 – 2027", period=semester(1, 2026))
    d.heading("Tháng 8/2026", period=month(8))
    d.task(
        "Tổ chức tựu trường, ổn định tổ chức lớp",
        lead=ht,
        support=gvcn,
        time="Ngày 28/8/2026",
        P=day("2026-08-28"),
    )
    d.task(
        "Rà soát, bổ sung cơ sở vật chất, thiết bị dạy học",
        lead=pht,
        support="Kế toán, Nhân viên thiết bị",
        S=["Kế toán", "Nhân viên thiết bị"],
    )
    d.task(
        "Xây dựng kế hoạch dạy học các môn học năm học 2026 - 2027",
        lead=tt,
        support=pht,
        time="Trước ngày 31/8/2026",
        P=by("2026-08-31"),
    )
    d.heading("Tháng 9/2026", period=month(9))
    d.task(
        "Tổ chức Lễ khai giảng năm học 2026 - 2027",
        lead=ht,
        support="Tổng phụ trách Đội, Bí thư Chi đoàn",
        S=["Tổng phụ trách Đội", "Bí thư Chi đoàn"],
        time="Ngày 05/9/2026",
        P=day("2026-09-05"),
    )
    d.task(
        "Kiện toàn Liên đội, tổ chức Đại hội Liên đội",
        lead="Tổng phụ trách Đội",
        support=gvcn,
        time="Tuần 2 tháng 9",
        P=week(2, 9),
    )
    d.task(
        "Tổ chức Hội nghị cha mẹ học sinh đầu năm học",
        lead=gvcn,
        support="Ban đại diện cha mẹ học sinh",
        time="Tuần 3 tháng 9",
        P=week(3, 9),
    )
    d.task(
        "Khám sức khỏe định kỳ cho học sinh",
        lead="Nhân viên y tế trường học",
        support="Trạm Y tế phường",
    )
    d.heading("Tháng 10/2026", period=month(10))
    d.task(
        "Hội nghị viên chức, người lao động năm học 2026 - 2027",
        lead=ht,
        support="Chủ tịch Công đoàn",
        time="tuần đầu tháng 10",
        P=week(1, 10),
    )
    d.task(
        "Thi chọn học sinh giỏi cấp trường lớp 9",
        lead=pht,
        support=tt,
        time="Tuần cuối tháng 10",
        P=last_week(10),
    )
    d.heading("Tháng 11/2026", period=month(11))
    d.task(
        "Hội giảng chào mừng Ngày Nhà giáo Việt Nam 20/11",
        lead=tt,
        support="Ban Chấp hành Công đoàn",
        time="Từ ngày 02/11 đến ngày 18/11/2026",
        P=span("2026-11-02", "2026-11-18"),
    )
    d.task("Kiểm tra nội bộ hoạt động sư phạm của giáo viên", lead=pht, support=tt)
    d.heading("Tháng 12/2026", period=month(12))
    d.task(
        "Kiểm tra, đánh giá cuối học kỳ I",
        lead=pht,
        support="Tổ trưởng chuyên môn, giáo viên bộ môn",
        S=[tt, "Giáo viên bộ môn"],
        time="Từ ngày 21/12 đến ngày 31/12/2026",
        P=span("2026-12-21", "2026-12-31"),
    )
    d.heading("Tháng 01/2027", period=month(1, 2027))
    d.task(
        "Sơ kết học kỳ I, báo cáo Sở Giáo dục và Đào tạo",
        lead=ht,
        support="Văn thư",
        time="Trước ngày 10/01/2027",
        P=by("2027-01-10"),
    )
    d.heading("HỌC KỲ II NĂM HỌC 2026 – 2027", period=semester(2, 2026))
    d.task("Dạy học theo thời khóa biểu học kỳ II", lead=pht, support="Giáo viên bộ môn")
    d.task(
        "Tổ chức các hoạt động kỷ niệm Ngày thành lập Đoàn TNCS Hồ Chí Minh 26/3",
        lead="Bí thư Chi đoàn",
        support="Tổng phụ trách Đội",
        time="Tháng 3/2027",
        P=month(3, 2027),
    )
    d.task(
        "Ôn tập, thi thử vào lớp 10 cho học sinh lớp 9",
        lead=pht,
        support="Giáo viên chủ nhiệm lớp 9",
        time="Tháng 4 - 5/2027",
        P=months(4, 5, 2027),
    )
    d.task(
        "Tổng kết năm học 2026 - 2027",
        lead=ht,
        support="Phó Hiệu trưởng, Tổ trưởng chuyên môn, Tổng phụ trách Đội",
        S=[pht, tt, "Tổng phụ trách Đội"],
        time="Trước ngày 31/5/2027",
        P=by("2027-05-31"),
    )
    return d


# --- 9. a high school: emulation and Youth Union work (one "Người thực hiện" column) --------


def thpt_nguyen_binh_thi_dua() -> Doc:
    d = Doc(
        name="thpt-nguyen-binh-thi-dua-2026",
        kind="school",
        parent="SỞ GD&ĐT CAO BẰNG",
        issuer_lines=["TRƯỜNG THPT NGUYÊN BÌNH"],
        number="Số: 08/KH-THPT",
        place_date="Nguyên Bình, ngày 10 tháng 01 năm 2026",
        title_lines=["KẾ HOẠCH", "Công tác thi đua, khen thưởng và hoạt động Đoàn năm 2026"],
        preamble=[
            "Căn cứ Kế hoạch công tác thi đua, khen thưởng năm 2026 của Sở Giáo dục và Đào tạo;",
            "Trường THPT Nguyên Bình xây dựng Kế hoạch như sau:",
        ],
        columns=[
            ("stt", "STT"),
            ("task", "Nội dung"),
            ("units", "Người thực hiện"),
            ("time", "Thời gian hoàn thành"),
            ("note", "Ghi chú"),
        ],
        issuer="Trường THPT Nguyên Bình",
        title="Kế hoạch công tác thi đua, khen thưởng và hoạt động Đoàn năm 2026",
    )
    ht, pht, bt = "Hiệu trưởng", "Phó Hiệu trưởng", "Bí thư Đoàn trường"
    gvcn = "Giáo viên chủ nhiệm các lớp"
    hd = "Hội đồng Thi đua - Khen thưởng nhà trường"
    d.heading("I", "HỌC KỲ II NĂM HỌC 2025 – 2026", period=semester(2, 2025))
    d.task(
        'Phát động phong trào thi đua "Dạy tốt, học tốt" học kỳ II',
        units=f"{ht} chủ trì, phối hợp với Chủ tịch Công đoàn và {bt}",
        L=[ht],
        S=["Chủ tịch Công đoàn", bt],
        time="Tháng 01/2026",
        P=month(1),
    )
    d.task(
        "Tổ chức các hoạt động chào mừng Ngày thành lập Đoàn TNCS Hồ Chí Minh 26/3",
        units=f"Chủ trì: {bt}; Phối hợp: {gvcn}",
        L=[bt],
        S=[gvcn],
        time="Tuần 4 tháng 3",
        P=week(4, 3),
    )
    d.task(
        "Xét công nhận sáng kiến cấp trường năm học 2025 - 2026",
        units="Hội đồng sáng kiến nhà trường (chủ trì); Tổ trưởng chuyên môn (phối hợp)",
        L=["Hội đồng sáng kiến nhà trường"],
        S=["Tổ trưởng chuyên môn"],
        time="Trước ngày 15/4/2026",
        P=by("2026-04-15"),
    )
    d.task(
        "Bình xét danh hiệu thi đua năm học 2025 - 2026",
        units=f"{hd}\nPhối hợp: Các tổ chuyên môn, Tổ Văn phòng",
        L=[hd],
        S=["Các tổ chuyên môn", "Tổ Văn phòng"],
        time="Tháng 5/2026",
        P=month(5),
    )
    d.task(
        "Lập hồ sơ đề nghị khen thưởng cấp tỉnh gửi Sở Giáo dục và Đào tạo",
        units=f"{pht} (chủ trì); Văn thư, Kế toán (phối hợp)",
        L=[pht],
        S=["Văn thư", "Kế toán"],
        time="Trước ngày 25/5/2026",
        P=by("2026-05-25"),
    )
    d.heading("II", "THÁNG 6 - 8/2026", period=months(6, 8))
    d.task(
        "Tổ chức cho học sinh lớp 12 dự Kỳ thi tốt nghiệp THPT năm 2026",
        units=f"- {ht}\n- {pht}\n- Giáo viên chủ nhiệm lớp 12 phối hợp",
        L=[ht, pht],
        S=["Giáo viên chủ nhiệm lớp 12"],
        time="Từ ngày 10/6 đến ngày 13/6/2026",
        P=span("2026-06-10", "2026-06-13"),
    )
    d.task(
        'Tổ chức hoạt động tình nguyện hè "Thanh niên tình nguyện"',
        units=bt,
        time="Tháng 7/2026",
        P=month(7),
    )
    d.task(
        "Tuyển sinh vào lớp 10 năm học 2026 - 2027",
        units=f"{ht} chủ trì, phối hợp với Hội đồng tuyển sinh nhà trường",
        L=[ht],
        S=["Hội đồng tuyển sinh nhà trường"],
    )
    d.heading("III", "HỌC KỲ I NĂM HỌC 2026 – 2027", period=semester(1, 2026))
    d.task(
        "Tổ chức Đại hội Đoàn trường nhiệm kỳ 2026 - 2027",
        units=f"{bt} (chủ trì); {gvcn} (phối hợp)",
        L=[bt],
        S=[gvcn],
        time="Tuần 3 tháng 9",
        P=week(3, 9),
    )
    d.task(
        "Đăng ký danh hiệu thi đua năm học 2026 - 2027",
        units=f"Chủ trì: {ht}\nPhối hợp: Các tổ trưởng chuyên môn, Chủ tịch Công đoàn",
        L=[ht],
        S=["Các tổ trưởng chuyên môn", "Chủ tịch Công đoàn"],
        time="Trước ngày 30/9/2026",
        P=by("2026-09-30"),
    )
    d.task(
        "Hội thi giáo viên dạy giỏi cấp trường",
        units=f"{pht} chủ trì, phối hợp với các tổ trưởng chuyên môn",
        L=[pht],
        S=["Các tổ trưởng chuyên môn"],
        time="Tháng 11/2026",
        P=month(11),
    )
    d.task(
        "Sơ kết phong trào thi đua học kỳ I",
        units=f"- {ht}\n- {hd}",
        L=[ht, hd],
        time="Trước ngày 15/01/2027",
        P=by("2027-01-15"),
    )
    d.task("Thu, nộp kinh phí hoạt động Đoàn", units="Kế toán", time="Hằng quý", P=quarterly())
    return d


# --- 10. a commune clinic: expanded immunisation (month headings "Tháng 01/2026") ------------


def tram_y_te_nguyen_binh_tcmr() -> Doc:
    d = Doc(
        name="tram-y-te-nguyen-binh-tcmr-2026",
        kind="clinic",
        parent="UBND XÃ NGUYÊN BÌNH",
        issuer_lines=["TRẠM Y TẾ"],
        number="Số: 03/KH-TYT",
        place_date="Nguyên Bình, ngày 06 tháng 01 năm 2026",
        title_lines=["KẾ HOẠCH", "Tiêm chủng mở rộng năm 2026"],
        preamble=[
            "Căn cứ Kế hoạch số 12/KH-SYT ngày 02/01/2026 của Sở Y tế tỉnh Cao Bằng về tiêm chủng mở rộng năm 2026;",
            "Trạm Y tế xã Nguyên Bình xây dựng Kế hoạch tiêm chủng mở rộng năm 2026 như sau:",
        ],
        columns=[
            ("stt", "STT"),
            ("task", "Nội dung"),
            ("lead", "Người phụ trách"),
            ("support", "Người phối hợp"),
            ("time", "Thời gian"),
        ],
        issuer="Trạm Y tế",
        title="Kế hoạch tiêm chủng mở rộng năm 2026",
        numbering="auto",
        restart_each_section=False,
    )
    tr, cb = "Trạm trưởng", "Cán bộ chuyên trách tiêm chủng"
    ytt = "Nhân viên y tế thôn, xóm"
    d.heading("Tháng 01/2026", period=month(1))
    d.task(
        "Lập danh sách trẻ em trong độ tuổi tiêm chủng năm 2026",
        lead=cb,
        support=ytt,
        S=[ytt],
        time="Trước ngày 15/01/2026",
        P=by("2026-01-15"),
    )
    d.task(
        "Dự trù vắc xin, vật tư tiêm chủng năm 2026 gửi Trung tâm Kiểm soát bệnh tật tỉnh",
        lead=tr,
        support=cb,
    )
    d.heading("Tháng 02/2026", period=month(2))
    d.task("Kiểm tra dây chuyền lạnh, tủ bảo quản vắc xin", lead=cb)
    d.heading("Tháng 03/2026", period=month(3))
    d.task(
        "Tiêm vắc xin sởi - rubella cho trẻ 18 tháng tuổi",
        lead=tr,
        support="Các thôn, xóm; Hội Liên hiệp Phụ nữ xã",
        S=["Các thôn, xóm", "Hội Liên hiệp Phụ nữ xã"],
        time="Tuần 2 tháng 3",
        P=week(2, 3),
    )
    d.task(
        "Tiêm bù cho trẻ chưa tiêm hoặc tiêm chưa đủ mũi",
        lead=cb,
        support=ytt,
        S=[ytt],
        time="Tuần cuối tháng 3",
        P=last_week(3),
    )
    d.heading("Tháng 04/2026", period=month(4))
    d.task(
        "Truyền thông về lợi ích của tiêm chủng trên hệ thống truyền thanh xã",
        lead=tr,
        support="Phòng Văn hóa - Xã hội",
    )
    d.heading("Tháng 06/2026", period=month(6))
    d.task(
        "Báo cáo kết quả tiêm chủng 6 tháng đầu năm",
        lead=cb,
        time="Trước ngày 05/7/2026",
        P=by("2026-07-05"),
    )
    d.heading("Tháng 09/2026", period=month(9))
    d.task(
        "Tiêm vắc xin uốn ván - bạch hầu giảm liều (Td) cho học sinh lớp 2",
        lead=tr,
        support="Trường Tiểu học Nguyên Bình",
        time="Tháng 9 - 10/2026",
        P=months(9, 10),
    )
    d.task(
        "Rà soát tiền sử tiêm chủng của trẻ vào lớp mẫu giáo",
        lead=cb,
        support="Trường Mầm non Nguyên Bình",
    )
    d.heading("Tháng 12/2026", period=month(12))
    d.task(
        "Tổng kết công tác tiêm chủng mở rộng năm 2026",
        lead=tr,
        support="Phòng Văn hóa - Xã hội",
        time="Trước ngày 20/12/2026",
        P=by("2026-12-20"),
    )
    d.task(
        "Lập kế hoạch tiêm chủng mở rộng năm 2027",
        lead=tr,
        support=cb,
        time="Trước ngày 10/01/2027",
        P=by("2027-01-10"),
    )
    d.heading("HOẠT ĐỘNG THƯỜNG XUYÊN", period=ONGOING_YEAR)
    d.task(
        "Tổ chức buổi tiêm chủng thường xuyên cho trẻ dưới 1 tuổi và phụ nữ có thai",
        lead=tr,
        support=ytt,
        S=[ytt],
        time="Ngày 25 hằng tháng",
        P=monthly(25),
    )
    d.task(
        "Báo cáo tiêm chủng tháng gửi Trung tâm Kiểm soát bệnh tật tỉnh",
        lead=cb,
        time="Hằng tháng, trước ngày 05",
        P=monthly(5),
    )
    d.task(
        "Theo dõi, xử trí phản ứng sau tiêm", lead=tr, support=cb, time="Thường xuyên", P=ongoing()
    )
    return d


# --- 11. a provincial department: examinations (no headings; dates in every row) ----------


def so_gddt_cao_bang_thi() -> Doc:
    d = Doc(
        name="so-gddt-cao-bang-ky-thi-2026",
        kind="department",
        parent="UBND TỈNH CAO BẰNG",
        issuer_lines=["SỞ GIÁO DỤC VÀ ĐÀO TẠO"],
        number="Số: 112/KH-SGDĐT",
        place_date="Cao Bằng, ngày 30 tháng 12 năm 2025",
        title_lines=["KẾ HOẠCH", "Tổ chức các kỳ thi năm 2026"],
        preamble=[
            "Căn cứ Quy chế thi tốt nghiệp trung học phổ thông hiện hành của Bộ Giáo dục và Đào tạo;",
            "Sở Giáo dục và Đào tạo xây dựng Kế hoạch tổ chức các kỳ thi năm 2026 như sau:",
        ],
        columns=[
            ("stt", "TT"),
            ("task", "Nội dung nhiệm vụ"),
            ("lead", "Đơn vị chủ trì"),
            ("support", "Đơn vị phối hợp"),
            ("time", "Thời gian thực hiện"),
            ("note", "Ghi chú"),
        ],
        issuer="Sở Giáo dục và Đào tạo",
        title="Kế hoạch tổ chức các kỳ thi năm 2026",
    )
    qlcl, gdpt = "Phòng Quản lý chất lượng", "Phòng Giáo dục phổ thông"
    thpt = "Các trường THPT"
    exam_days = span("2026-06-10", "2026-06-12")
    d.task(
        "Tổ chức Kỳ thi chọn học sinh giỏi cấp tỉnh lớp 12",
        lead=qlcl,
        support=thpt,
        S=[thpt],
        time="Từ ngày 05/01 đến ngày 07/01/2026",
        P=span("2026-01-05", "2026-01-07"),
    )
    d.task(
        "Xây dựng Kế hoạch tổ chức Kỳ thi tốt nghiệp THPT năm 2026",
        lead=qlcl,
        support=gdpt,
        time="Tháng 02/2026",
        P=month(2),
    )
    d.task(
        "Hướng dẫn đăng ký dự thi tốt nghiệp THPT",
        lead=qlcl,
        support="Các trường trung học phổ thông, trung tâm giáo dục nghề nghiệp - giáo dục thường xuyên",
        S=[
            "Các trường trung học phổ thông, trung tâm giáo dục nghề nghiệp - giáo dục thường xuyên"
        ],
        time="Tháng 4/2026",
        P=month(4),
    )
    d.task(
        "Tập huấn nghiệp vụ cho cán bộ làm công tác thi",
        lead=qlcl,
        support="Văn phòng Sở",
        time="Tháng 5/2026",
        P=month(5),
    )
    d.task(
        "Thành lập Ban Chỉ đạo thi tốt nghiệp THPT cấp tỉnh",
        lead="Văn phòng Sở",
        support=qlcl,
        time="Trước ngày 15/5/2026",
        P=by("2026-05-15"),
    )
    d.task(
        "Tuyên truyền về Kỳ thi trên các phương tiện thông tin đại chúng",
        lead="Văn phòng Sở",
        support="Báo và Phát thanh, Truyền hình tỉnh",
        S=["Báo và Phát thanh, Truyền hình tỉnh"],
        time="Tháng 5 - 6/2026",
        P=months(5, 6),
    )
    d.task(
        "Bảo đảm an ninh, an toàn tại các điểm thi",
        lead="Công an tỉnh",
        support="UBND các xã, phường có điểm thi",
        S=["UBND các xã, phường có điểm thi"],
        time="Ngày 10 - 12/6/2026",
        P=exam_days,
    )
    d.task(
        "Bảo đảm cấp điện liên tục trong các ngày thi",
        lead="Công ty Điện lực Cao Bằng",
        time="Ngày 10 - 12/6/2026",
        P=exam_days,
    )
    d.task(
        "Bố trí cán bộ y tế trực tại các điểm thi",
        lead="Sở Y tế",
        support="Trạm Y tế các xã, phường có điểm thi",
        S=["Trạm Y tế các xã, phường có điểm thi"],
        time="Ngày 10 - 12/6/2026",
        P=exam_days,
    )
    d.task(
        "Tổ chức Kỳ thi tuyển sinh vào lớp 10 THPT năm học 2026 - 2027",
        lead=qlcl,
        support=f"{gdpt}, các trường THPT",
        S=[gdpt, thpt],
        time="Đầu tháng 6/2026",
        P=span("2026-06-01", "2026-06-10"),
    )
    d.task(
        "Chấm thi, phúc khảo và công bố kết quả tuyển sinh lớp 10",
        lead=qlcl,
        time="Trước ngày 10/7/2026",
        P=by("2026-07-10"),
    )
    d.task(
        "Tổng kết công tác thi năm 2026",
        lead=qlcl,
        support="Các phòng thuộc Sở",
        S=["Các phòng thuộc Sở"],
        time="Tháng 8/2026",
        P=month(8),
    )
    d.task(
        "Chọn đội tuyển và tổ chức thi chọn học sinh giỏi quốc gia THPT năm học 2026 - 2027",
        lead=qlcl,
        support="Trường THPT Chuyên Cao Bằng",
        time="Tháng 10/2026 và tháng 12/2026",
        P=multi("2026-10-01", "2026-10-31", "2026-12-31"),
    )
    return d


# --- 12. a ward: legal education (a row split across a page break, header typed again) -----


def phuong_sai_gon_pbgdpl() -> Doc:
    d = Doc(
        name="phuong-sai-gon-pbgdpl-2026",
        kind="ward",
        parent="",
        issuer_lines=["ỦY BAN NHÂN DÂN", "PHƯỜNG SÀI GÒN"],
        number="Số: 31/KH-UBND",
        place_date="Phường Sài Gòn, ngày 16 tháng 01 năm 2026",
        title_lines=["KẾ HOẠCH", "Phổ biến, giáo dục pháp luật năm 2026"],
        preamble=[
            "Căn cứ Luật Phổ biến, giáo dục pháp luật năm 2012;",
            "Căn cứ Kế hoạch của Ủy ban nhân dân Thành phố Hồ Chí Minh về công tác phổ biến, giáo dục pháp luật năm 2026;",
            "Ủy ban nhân dân phường Sài Gòn ban hành Kế hoạch phổ biến, giáo dục pháp luật năm 2026 như sau:",
        ],
        columns=[
            ("stt", "STT"),
            ("task", "Nội dung"),
            ("lead", "Chủ trì"),
            ("support", "Phối hợp"),
            ("time", "Thời gian"),
            ("product", "Sản phẩm"),
        ],
        issuer="Ủy ban nhân dân phường Sài Gòn",
        title="Kế hoạch phổ biến, giáo dục pháp luật năm 2026",
    )
    vp = "Văn phòng HĐND và UBND phường"
    vhxh = "Phòng Văn hóa - Xã hội"
    hdpb = "Hội đồng phối hợp phổ biến, giáo dục pháp luật phường"
    kp = "Các khu phố"
    d.heading("Quý 1", period=quarter(1))
    d.task(
        "Ban hành Kế hoạch phổ biến, giáo dục pháp luật năm 2026",
        lead=vp,
        support=hdpb,
        S=[hdpb],
        time="Tháng 01/2026",
        P=month(1),
        product="Kế hoạch",
    )
    d.task(
        "Kiện toàn đội ngũ báo cáo viên, tuyên truyền viên pháp luật phường",
        lead=vhxh,
        support=kp,
        time="Quý 1",
        P=quarter(1),
        product="Quyết định",
    )
    d.task(
        "Tuyên truyền Luật Trật tự, an toàn giao thông đường bộ dịp Tết Nguyên đán Bính Ngọ",
        lead="Công an phường",
        support="Đoàn TNCS Hồ Chí Minh phường, Các khu phố",
        S=["Đoàn TNCS Hồ Chí Minh phường", kp],
        time="Tháng 01 - 02/2026",
        P=months(1, 2),
    )
    d.heading("Quý 2", period=quarter(2))
    d.task(
        "Tổ chức Cuộc thi trực tuyến tìm hiểu pháp luật về chính quyền địa phương hai cấp",
        lead=vhxh,
        support=hdpb,
        S=[hdpb],
        time="Tháng 4 - 5/2026",
        P=months(4, 5),
        product="Cuộc thi",
    )
    d.task(
        "Phổ biến pháp luật về phòng, chống bạo lực học đường, xâm hại",
        lead=vhxh,
        support="Các trường học trên",
        time="Tháng 5/2026",
        S=["Các trường học trên địa bàn phường"],
        P=month(5),
        title="Phổ biến pháp luật về phòng, chống bạo lực học đường, xâm hại trẻ em cho học sinh các trường học trên địa bàn phường",
        cont={
            "task": "trẻ em cho học sinh các trường học trên địa bàn phường",
            "support": "địa bàn phường",
        },
    )
    d.task(
        "Tập huấn kỹ năng hòa giải ở cơ sở cho hòa giải viên",
        lead=vhxh,
        support="Ủy ban MTTQ Việt Nam phường",
        time="Quý II",
        P=quarter(2),
    )
    d.heading("QUÝ III (tháng 7 - 9)", period=quarter(3))
    d.task(
        "Sơ kết 6 tháng công tác phổ biến, giáo dục pháp luật",
        lead=vp,
        time="Trước ngày 15/7/2026",
        P=by("2026-07-15"),
        product="Báo cáo",
    )
    d.task(
        "Phổ biến Luật Nghĩa vụ quân sự cho thanh niên trong độ tuổi",
        lead="Ban Chỉ huy Quân sự phường",
        support=kp,
        time="Tháng 8/2026",
        P=month(8),
    )
    d.task(
        "Tuyên truyền pháp luật về phòng cháy, chữa cháy và cứu nạn, cứu hộ tại các khu phố",
        lead="Công an phường",
        support=kp,
    )
    d.repeat_header()
    d.heading("QUÝ IV (tháng 10 - 12)", period=quarter(4))
    d.task(
        "Hưởng ứng Ngày Pháp luật nước Cộng hòa xã hội chủ nghĩa Việt Nam (09/11)",
        lead=vhxh,
        support=f"{hdpb}; các khu phố",
        S=[hdpb, kp],
        time="Tuần 2 tháng 11",
        P=week(2, 11),
    )
    d.task(
        "Đánh giá, công nhận phường đạt chuẩn tiếp cận pháp luật năm 2026",
        lead=vp,
        support=vhxh,
        time="Tháng 11 - 12/2026",
        P=months(11, 12),
    )
    d.task(
        "Tuyên truyền pháp luật về bảo vệ môi trường, phân loại chất thải rắn sinh hoạt tại nguồn",
        lead="Phòng Kinh tế, Hạ tầng và Đô thị",
        L=["Phòng Kinh tế, Hạ tầng và Đô thị"],
        support=kp,
        time="Tháng 12/2026",
        P=month(12),
    )
    d.task(
        "Tổng kết công tác phổ biến, giáo dục pháp luật năm 2026; xây dựng kế hoạch năm 2027",
        lead=vp,
        support=hdpb,
        S=[hdpb],
        time="Trước ngày 10/01/2027",
        P=by("2027-01-10"),
        product="Báo cáo, Kế hoạch",
    )
    return d


# --- 13. a special zone: natural disasters (one units column; typos and spelling variants) --


def dac_khu_con_dao_pctt() -> Doc:
    d = Doc(
        name="dac-khu-con-dao-pctt-2026",
        kind="special zone",
        parent="",
        issuer_lines=["ỦY BAN NHÂN DÂN", "ĐẶC KHU CÔN ĐẢO"],
        number="Số: 14/KH-UBND",
        place_date="Côn Đảo, ngày 26 tháng 01 năm 2026",
        title_lines=["KẾ HOẠCH", "Phòng, chống thiên tai và tìm kiếm cứu nạn năm 2026"],
        preamble=[
            "Căn cứ Luật Phòng, chống thiên tai năm 2013 (sửa đổi, bổ sung năm 2020);",
            "UBND đặc khu Côn Đảo ban hành Kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn năm 2026 như sau:",
        ],
        columns=[
            ("stt", "STT"),
            ("task", "Nội dung nhiệm vụ"),
            ("units", "Cơ quan, đơn vị thực hiện"),
            ("time", "Thời gian thực hiện"),
            ("product", "Kết quả"),
        ],
        issuer="Ủy ban nhân dân đặc khu Côn Đảo",
        title="Kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn năm 2026",
    )
    qs = "Ban Chỉ huy Quân sự đặc khu"
    vp = "Văn phòng HĐND và UBND đặc khu"
    kt = "Phòng Kinh tế, Hạ tầng và Đô thị"
    ca = "Công an đặc khu"
    yt = "Trung tâm Y tế đặc khu"
    kdc = "Các khu dân cư"
    d.task(
        "Kiện toàn Ban Chỉ huy Phòng thủ dân sự đặc khu",
        units=f"{qs} chủ trì, phối hợp với Văn phòng HĐND và UBND đặc khu",
        L=[qs],
        S=[vp],
        time="Tháng 01/2026",
        P=month(1),
        product="Quyết định",
    )
    d.task(
        "Xây dựng phương án ứng phó bão mạnh, siêu bão theo cấp độ rủi ro thiên tai",
        units=f"Chủ trì: {kt}; Phối hợp: {qs}, {ca}",
        L=[kt],
        S=[qs, ca],
        time="Trước ngày 30/4/2026",
        P=by("2026-04-30"),
        product="Phương án",
    )
    d.task(
        "Kiểm tra khu neo đậu tàu thuyền tránh trú bão tại cảng Bến Đầm",
        units=f"- {kt}\n- Đồn Biên phòng Côn Đảo phối hợp",
        L=[kt],
        S=["Đồn Biên phòng Côn Đảo"],
        time="Tháng 5/2026",
        P=month(5),
    )
    d.task(
        "Diễn tập phòng, chống thiên tai và tìm kiếm cứu nạn",
        units=f"{qs} (chủ trì); {ca}, {yt}, các khu dân cư (phối hợp)",
        L=[qs],
        S=[ca, yt, kdc],
        time="Tháng 6/2026",
        P=month(6),
    )
    d.task(
        "Tuyên truyền kỹ năng phòng tránh thiên tai cho người dân và du khách",
        units="Phòng Văn hoá - Xã hội chủ trì, phối hợp với Ban Quản lý Vườn quốc gia Côn Đảo và các khu dân cư",
        L=["Phòng Văn hóa - Xã hội"],
        S=["Ban Quản lý Vườn quốc gia Côn Đảo", kdc],
        time="6 tháng đầu năm",
        P=half(1),
    )
    d.task(
        "Trực ban phòng, chống thiên tai trong mùa mưa bão",
        units=vp,
        time="Từ ngày 01/6 đến ngày 30/11/2026",
        P=span("2026-06-01", "2026-11-30"),
    )
    d.task(
        "Dự trữ lương thực, nước uống, thuốc men phục vụ ứng phó thiên tai",
        units=f"{kt} (chủ trì)\n{yt} (phối hợp)",
        L=[kt],
        S=[yt],
        time="Quý II - III",
        P=months(4, 9),
    )
    d.task(
        "Thu Quỹ phòng, chống thiên tai năm 2026",
        units=f"{kt} chủ trì; các khu dân cư phối hợp",
        L=[kt],
        S=[kdc],
        time="Trước ngày 30/10/2026",
        P=by("2026-10-30"),
    )
    d.task(
        "Sơ kết 6 tháng và tổng kết năm công tác phòng, chống thiên tai",
        units="Văn phòng HĐND&UBND đặc khu",
        L=[vp],
        time="Tháng 6 và tháng 12/2026",
        P=multi("2026-06-01", "2026-06-30", "2026-12-31"),
        product="Báo cáo",
    )
    d.task(
        "Báo cáo UBND Thành phố kết quả thực hiện Kế hoạch",
        units=vp,
        time="Trước ngày 15/12/2026",
        P=by("2026-12-15"),
        product="Báo cáo",
    )
    return d


# --- 14. a ward clinic: dengue prevention (half-year headings, person roles, weeks) --------


def tram_y_te_sai_gon_sxh() -> Doc:
    d = Doc(
        name="tram-y-te-sai-gon-sxh-2026",
        kind="clinic",
        parent="UBND PHƯỜNG SÀI GÒN",
        issuer_lines=["TRẠM Y TẾ PHƯỜNG SÀI GÒN"],
        number="Số: 05/KH-TYT",
        place_date="Phường Sài Gòn, ngày 09 tháng 02 năm 2026",
        title_lines=["KẾ HOẠCH", "Phòng, chống sốt xuất huyết năm 2026"],
        preamble=[
            "Căn cứ Kế hoạch của Sở Y tế Thành phố Hồ Chí Minh về phòng, chống sốt xuất huyết năm 2026;",
            "Trạm Y tế phường Sài Gòn xây dựng Kế hoạch như sau:",
        ],
        columns=[
            ("stt", "TT"),
            ("task", "Nội dung công việc"),
            ("lead", "Người phụ trách"),
            ("support", "Người phối hợp"),
            ("time", "Thời hạn"),
        ],
        issuer="Trạm Y tế phường Sài Gòn",
        title="Kế hoạch phòng, chống sốt xuất huyết năm 2026",
        numbering="auto",
    )
    tr, pt = "Trạm trưởng", "Phó Trạm trưởng"
    ctv = "Cộng tác viên sức khỏe cộng đồng các khu phố"
    kp = "Các khu phố"
    d.heading("I", "6 tháng đầu năm", period=half(1))
    d.task(
        "Xây dựng bản đồ điểm nguy cơ sốt xuất huyết trên địa bàn phường",
        lead=pt,
        support=ctv,
        time="Tháng 02/2026",
        P=month(2),
    )
    d.task(
        "Tập huấn chẩn đoán, điều trị sốt xuất huyết cho nhân viên trạm",
        lead=tr,
        time="Tháng 3/2026",
        P=month(3),
    )
    d.task(
        'Chiến dịch diệt lăng quăng, bọ gậy "Nhà sạch, vườn sạch" đợt 1',
        lead=pt,
        support=f"{kp}; Hội Liên hiệp Phụ nữ phường",
        S=[kp, "Hội Liên hiệp Phụ nữ phường"],
        time="Tuần 3 tháng 4",
        P=week(3, 4),
    )
    d.task(
        "Giám sát ca bệnh, xử lý ổ dịch trong vòng 48 giờ",
        lead=tr,
        support=ctv,
        time="Thường xuyên",
        P=ongoing(),
    )
    d.task(
        "Báo cáo sơ kết 6 tháng công tác phòng, chống sốt xuất huyết",
        lead=pt,
        time="Trước ngày 30/6/2026",
        P=by("2026-06-30"),
    )
    d.heading("II", "6 tháng cuối năm", period=half(2))
    d.task(
        'Chiến dịch diệt lăng quăng, bọ gậy "Nhà sạch, vườn sạch" đợt 2',
        lead=pt,
        support=f"{kp}; Đoàn Thanh niên phường",
        S=[kp, "Đoàn Thanh niên phường"],
        time="tuần đầu tháng 8",
        P=week(1, 8),
    )
    d.task(
        "Truyền thông phòng, chống sốt xuất huyết tại các trường học trong mùa mưa",
        lead=tr,
        support="Các trường học trên địa bàn phường",
        S=["Các trường học trên địa bàn phường"],
        time="Tháng 9 - 10/2026",
        P=months(9, 10),
    )
    d.task(
        "Phun hóa chất diệt muỗi tại các điểm nguy cơ cao",
        lead=pt,
        support=kp,
        time="Hằng tháng",
        P=monthly(),
    )
    d.task(
        "Kiểm tra công trường, khu nhà trọ về vệ sinh môi trường",
        lead=tr,
        support="Phòng Kinh tế, Hạ tầng và Đô thị; Công an phường",
        S=["Phòng Kinh tế, Hạ tầng và Đô thị", "Công an phường"],
        time="Quý IV",
        P=quarter(4),
    )
    d.task(
        "Tổng kết công tác phòng, chống sốt xuất huyết năm 2026",
        lead=tr,
        support=pt,
        time="Trước ngày 15/12/2026",
        P=by("2026-12-15"),
    )
    return d


DOCUMENTS = [
    Entry(xa_nguyen_binh_tdkt(), (".lo.docx", ".tab.txt", ".pdf")),
    Entry(phuong_thuc_phan_cchc(), (".md", ".pdf")),
    Entry(dac_khu_van_don_cds(), (".lo.txt",)),
    Entry(xa_hoa_an_ntm(), (".utf16.txt",)),
    Entry(so_noi_vu_tdkt(), (".pdf",)),
    Entry(ubnd_tinh_cao_bang_cchc(), (".tab.txt",)),
    Entry(bql_kkt_quang_ninh_cds(), (".md",)),
    Entry(thcs_thuc_phan_nam_hoc(), (".pdf",)),
    Entry(thpt_nguyen_binh_thi_dua(), (".doc", ".doc.docx")),
    Entry(tram_y_te_nguyen_binh_tcmr(), (".scan.pdf",)),
    Entry(so_gddt_cao_bang_thi(), (".lo.txt",)),
    Entry(phuong_sai_gon_pbgdpl(), (".tab.txt", ".pdf")),
    Entry(dac_khu_con_dao_pctt(), ()),
    Entry(tram_y_te_sai_gon_sxh(), (".lo.docx",)),
]

if __name__ == "__main__":
    build(DOCUMENTS, office="--no-office" not in sys.argv)
