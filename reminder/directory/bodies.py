"""Public bodies as plans name them after the 2025 reorganisation, with usual abbreviations.

Each entry: (standard name, kind, abbreviations and other spellings). ``kind`` is ``unit`` (an
office or organisation), ``person`` (a post: reminders go to whoever holds it), ``group`` (a
collective whose members the administrator names) or ``nobody`` (people who are not a post:
the task needs assigning). A locality written after a name ("… xã Kim Đồng", "… tỉnh Cao
Bằng") is not part of the match: see ``reminder.directory.divisions``.
"""

from __future__ import annotations

BODIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # --- provincial departments and bodies (Nghị định 45/2025, mergers of 2025) ---
    ("Sở Nội vụ", "unit", ("Sở NV",)),
    ("Sở Tài chính", "unit", ("Sở TC", "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", "Sở KHĐT")),
    ("Sở Tư pháp", "unit", ("Sở TP",)),
    ("Sở Công Thương", "unit", ("Sở CT", "Sở Công thương")),
    ("Sở Nông nghiệp và Môi trường", "unit", ("Sở NN&MT", "Sở NNMT", "Sở NN và MT")),
    ("Sở Xây dựng", "unit", ("Sở XD", "Sở Giao thông vận tải và Xây dựng")),
    ("Sở Giáo dục và Đào tạo", "unit", ("Sở GD&ĐT", "Sở GDĐT", "Sở GD-ĐT")),
    ("Sở Y tế", "unit", ("Sở YT",)),
    ("Sở Khoa học và Công nghệ", "unit", ("Sở KH&CN", "Sở KHCN", "Sở KH-CN")),
    (
        "Sở Văn hóa, Thể thao và Du lịch",
        "unit",
        ("Sở VHTTDL", "Sở VH,TT&DL", "Sở VHTT&DL", "Sở VH-TT-DL", "Sở VH, TT và DL"),
    ),
    ("Sở Văn hóa và Thể thao", "unit", ("Sở VH&TT", "Sở VHTT")),
    ("Sở Du lịch", "unit", ("Sở DL",)),
    ("Sở Dân tộc và Tôn giáo", "unit", ("Sở DT&TG", "Sở DTTG", "Ban Dân tộc")),
    ("Sở Ngoại vụ", "unit", ("Sở NgV",)),
    ("Thanh tra tỉnh", "unit", ("Thanh tra",)),
    ("Văn phòng UBND tỉnh", "unit", ("VP UBND tỉnh", "Văn phòng Ủy ban nhân dân tỉnh")),
    (
        "Văn phòng Đoàn ĐBQH và HĐND tỉnh",
        "unit",
        ("VP Đoàn ĐBQH và HĐND tỉnh", "Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân tỉnh"),
    ),
    ("Công an tỉnh", "unit", ("CA tỉnh",)),
    ("Bộ Chỉ huy Quân sự tỉnh", "unit", ("Bộ CHQS tỉnh", "BCH Quân sự tỉnh", "Bộ CHQS")),
    ("Ban Quản lý các khu công nghiệp", "unit", ("BQL các KCN", "Ban Quản lý khu kinh tế")),
    (
        "Báo và Phát thanh, Truyền hình tỉnh",
        "unit",
        ("Báo và PT-TH tỉnh", "Báo và Phát thanh - Truyền hình tỉnh", "Báo và PTTH tỉnh"),
    ),
    ("Đài Phát thanh và Truyền hình tỉnh", "unit", ("Đài PT-TH tỉnh", "Đài PTTH tỉnh")),
    ("Bảo hiểm xã hội tỉnh", "unit", ("BHXH tỉnh", "BHXH")),
    ("Thuế tỉnh", "unit", ("Cục Thuế tỉnh", "Cục Thuế")),
    ("Kho bạc Nhà nước", "unit", ("KBNN", "Kho bạc Nhà nước khu vực")),
    ("Liên đoàn Lao động tỉnh", "unit", ("LĐLĐ tỉnh", "Liên đoàn Lao động")),
    ("Tỉnh đoàn", "unit", ("Tỉnh Đoàn", "Tỉnh đoàn thanh niên")),
    ("Hội đồng Thi đua - Khen thưởng", "unit", ("Hội đồng TĐKT", "HĐTĐKT")),
    # --- commune, ward and special-zone level (from 1/7/2025) ---
    ("Ủy ban nhân dân", "unit", ("UBND",)),
    ("Hội đồng nhân dân", "unit", ("HĐND",)),
    ("Đảng ủy", "unit", ("Đảng uỷ", "ĐU")),
    (
        "Văn phòng HĐND và UBND",
        "unit",
        (
            "VP HĐND&UBND",
            "VP HĐND và UBND",
            "Văn phòng HĐND-UBND",
            "VP HĐND-UBND",
            "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân",
            "Văn phòng HĐND&UBND",
        ),
    ),
    ("Văn phòng UBND", "unit", ("VP UBND", "Văn phòng Ủy ban nhân dân")),
    ("Văn phòng Đảng ủy", "unit", ("VP Đảng ủy",)),
    ("Phòng Kinh tế", "unit", ("Phòng KT",)),
    (
        "Phòng Kinh tế, Hạ tầng và Đô thị",
        "unit",
        (
            "Phòng KTHT&ĐT",
            "Phòng Kinh tế - Hạ tầng và Đô thị",
            "Phòng KT, HT và ĐT",
            "Phòng KTHTĐT",
        ),
    ),
    ("Phòng Văn hóa - Xã hội", "unit", ("Phòng VH-XH", "Phòng VHXH", "Phòng Văn hóa và Xã hội")),
    (
        "Trung tâm Phục vụ hành chính công",
        "unit",
        ("Trung tâm PVHCC", "TT PVHCC", "TTPVHCC", "Trung tâm Phục vụ HCC"),
    ),
    (
        "Ban Chỉ huy Quân sự",
        "unit",
        ("BCH Quân sự", "BCHQS", "Ban CHQS", "BCH QS", "Ban Chỉ huy QS"),
    ),
    ("Công an", "unit", ("CA",)),
    ("Trạm Y tế", "unit", ("TYT",)),
    ("Trung tâm Y tế", "unit", ("TTYT",)),
    (
        "Ủy ban MTTQ Việt Nam",
        "unit",
        ("UBMTTQ", "MTTQ", "Mặt trận Tổ quốc", "UB MTTQ", "Ủy ban MTTQ"),
    ),
    ("Đoàn Thanh niên", "unit", ("Đoàn TN", "Đoàn thanh niên", "Đoàn TNCS Hồ Chí Minh")),
    ("Hội Liên hiệp Phụ nữ", "unit", ("Hội LHPN", "Hội Phụ nữ", "Hội PN")),
    ("Hội Nông dân", "unit", ("Hội ND",)),
    ("Hội Cựu chiến binh", "unit", ("Hội CCB",)),
    ("Công đoàn", "unit", ("Công đoàn cơ sở", "CĐCS")),
    ("Trung tâm Dịch vụ tổng hợp", "unit", ("TT DVTH",)),
    # --- schools and clinics: posts ---
    ("Ban Giám hiệu", "unit", ("BGH",)),
    ("Hiệu trưởng", "person", ()),
    ("Phó Hiệu trưởng", "person", ("P. Hiệu trưởng", "PHT")),
    ("Tổ trưởng chuyên môn", "person", ("TTCM", "Tổ trưởng CM")),
    ("Tổ phó chuyên môn", "person", ()),
    ("Tổ trưởng tổ văn phòng", "person", ("Tổ trưởng văn phòng",)),
    ("Tổ chuyên môn", "unit", ()),
    ("Tổ văn phòng", "unit", ()),
    ("Kế toán", "person", ("Kế toán trường",)),
    ("Văn thư", "person", ()),
    ("Thủ quỹ", "person", ()),
    ("Nhân viên y tế", "person", ("Y tế học đường", "Nhân viên y tế trường học")),
    ("Nhân viên thư viện", "person", ("Thư viện", "Cán bộ thư viện")),
    ("Tổng phụ trách Đội", "person", ("TPT Đội", "Tổng phụ trách")),
    ("Bí thư Đoàn", "person", ("Bí thư Chi đoàn", "Bí thư Đoàn trường")),
    ("Chủ tịch Công đoàn", "person", ("CT Công đoàn",)),
    ("Giáo viên chủ nhiệm", "person", ("GVCN",)),
    ("Trưởng trạm", "person", ("Trạm trưởng", "Trưởng Trạm Y tế")),
    ("Phó Trưởng trạm", "person", ("Phó trạm trưởng",)),
    ("Giám đốc", "person", ()),
    ("Phó Giám đốc", "person", ()),
    ("Chủ tịch UBND", "person", ("Chủ tịch Ủy ban nhân dân",)),
    ("Phó Chủ tịch UBND", "person", ("Phó Chủ tịch Ủy ban nhân dân", "PCT UBND")),
    ("Trưởng thôn", "person", ("Trưởng xóm", "Trưởng bản")),
    ("Công chức Văn phòng - Thống kê", "person", ()),
    # --- people who are not a post ---
    ("Đại biểu được chọn", "nobody", ("Đại biểu được mời", "Cá nhân được khen thưởng")),
)
