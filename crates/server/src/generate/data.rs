//! Reference data for the demo portfolio: names, cities, merchants.

/// A city with its centre, its weight among customers, and an IPv4 /16 prefix
/// that plausible local addresses come from.
#[derive(Clone, Copy, Debug)]
pub struct City {
    pub name: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub weight: u32,
    pub ip_prefix: (u8, u8),
}

pub const CITIES: &[City] = &[
    City {
        name: "北京",
        lat: 39.9042,
        lon: 116.4074,
        weight: 110,
        ip_prefix: (123, 112),
    },
    City {
        name: "上海",
        lat: 31.2304,
        lon: 121.4737,
        weight: 110,
        ip_prefix: (116, 228),
    },
    City {
        name: "广州",
        lat: 23.1291,
        lon: 113.2644,
        weight: 80,
        ip_prefix: (113, 108),
    },
    City {
        name: "深圳",
        lat: 22.5431,
        lon: 114.0579,
        weight: 80,
        ip_prefix: (119, 123),
    },
    City {
        name: "杭州",
        lat: 30.2741,
        lon: 120.1551,
        weight: 55,
        ip_prefix: (115, 192),
    },
    City {
        name: "成都",
        lat: 30.5728,
        lon: 104.0668,
        weight: 55,
        ip_prefix: (125, 70),
    },
    City {
        name: "重庆",
        lat: 29.5630,
        lon: 106.5516,
        weight: 50,
        ip_prefix: (222, 177),
    },
    City {
        name: "武汉",
        lat: 30.5928,
        lon: 114.3055,
        weight: 45,
        ip_prefix: (59, 172),
    },
    City {
        name: "西安",
        lat: 34.3416,
        lon: 108.9398,
        weight: 40,
        ip_prefix: (113, 200),
    },
    City {
        name: "南京",
        lat: 32.0603,
        lon: 118.7969,
        weight: 40,
        ip_prefix: (180, 110),
    },
    City {
        name: "天津",
        lat: 39.3434,
        lon: 117.3616,
        weight: 35,
        ip_prefix: (111, 160),
    },
    City {
        name: "苏州",
        lat: 31.2989,
        lon: 120.5853,
        weight: 35,
        ip_prefix: (58, 208),
    },
    City {
        name: "长沙",
        lat: 28.2282,
        lon: 112.9388,
        weight: 30,
        ip_prefix: (175, 0),
    },
    City {
        name: "郑州",
        lat: 34.7466,
        lon: 113.6253,
        weight: 30,
        ip_prefix: (171, 8),
    },
    City {
        name: "青岛",
        lat: 36.0671,
        lon: 120.3826,
        weight: 25,
        ip_prefix: (27, 222),
    },
    City {
        name: "沈阳",
        lat: 41.8057,
        lon: 123.4315,
        weight: 25,
        ip_prefix: (59, 46),
    },
    City {
        name: "厦门",
        lat: 24.4798,
        lon: 118.0894,
        weight: 20,
        ip_prefix: (110, 80),
    },
    City {
        name: "昆明",
        lat: 25.0389,
        lon: 102.7183,
        weight: 20,
        ip_prefix: (112, 112),
    },
    City {
        name: "哈尔滨",
        lat: 45.8038,
        lon: 126.5350,
        weight: 20,
        ip_prefix: (221, 208),
    },
    City {
        name: "合肥",
        lat: 31.8206,
        lon: 117.2272,
        weight: 20,
        ip_prefix: (60, 166),
    },
    City {
        name: "福州",
        lat: 26.0745,
        lon: 119.2965,
        weight: 15,
        ip_prefix: (120, 36),
    },
    City {
        name: "南宁",
        lat: 22.8170,
        lon: 108.3665,
        weight: 15,
        ip_prefix: (171, 104),
    },
    City {
        name: "乌鲁木齐",
        lat: 43.8256,
        lon: 87.6168,
        weight: 10,
        ip_prefix: (124, 117),
    },
    City {
        name: "拉萨",
        lat: 29.6520,
        lon: 91.1721,
        weight: 4,
        ip_prefix: (220, 182),
    },
];

pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "欧阳", "司马",
];

pub const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "华", "晨", "宇", "欣", "浩", "婷", "鑫", "思", "佳", "子",
    "轩", "怡", "博", "雨", "嘉", "悦", "文", "俊",
];

/// Merchants by category: (name, category). Amount ranges live in the generator.
pub const MERCHANTS: &[(&str, &str)] = &[
    ("永辉超市", "groceries"),
    ("盒马鲜生", "groceries"),
    ("美团外卖", "dining"),
    ("海底捞", "dining"),
    ("瑞幸咖啡", "dining"),
    ("京东电器", "electronics"),
    ("苏宁易购", "electronics"),
    ("华为商城", "electronics"),
    ("优衣库", "apparel"),
    ("李宁", "apparel"),
    ("携程旅行", "travel"),
    ("12306铁路", "travel"),
    ("新东方在线", "education"),
    ("宜家家居", "home"),
    ("万达影城", "entertainment"),
    ("大麦网", "entertainment"),
    ("叮当快药", "health"),
    ("腾讯游戏充值", "virtual_goods"),
    ("点卡专营店", "virtual_goods"),
    ("礼品卡商城", "gift_cards"),
    ("周大福", "jewellery"),
    ("金店回收", "jewellery"),
];

/// Merchants that are on the demo blacklist: cash-out fronts.
pub const BLACKLISTED_MERCHANTS: &[&str] = &["点卡专营店", "金店回收"];
