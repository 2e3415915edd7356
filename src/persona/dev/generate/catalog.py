"""Reference data of the fictional brand 澜芝 LANZHI: products, stores, cities, campaigns.

Everything here depends only on the seed (and the window for campaigns), never on the number
of persons, so a chunk of persons sees the same catalog whatever the run size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from persona.dev.generate.config import N_CAFE_COOKIES

# category_l1 -> list of (category_l2, price_lo, price_hi, nouns, sizes, weight)
CATEGORIES: dict[str, list[tuple[str, int, int, tuple[str, ...], tuple[str, ...], float]]] = {
    "护肤": [
        ("洁面", 59, 159, ("氨基酸洁面乳", "温和洁面泡沫", "净透洁颜蜜"), ("100g", "120ml"), 1.2),
        ("爽肤水", 129, 329, ("精粹水", "柔肤水", "保湿精华水"), ("150ml", "200ml"), 0.9),
        ("精华", 199, 899, ("精华液", "原液", "安瓶精华"), ("30ml", "50ml"), 1.5),
        ("面霜", 229, 799, ("面霜", "修护霜", "紧致霜"), ("50g", "30g"), 1.1),
        ("眼霜", 199, 599, ("眼霜", "眼部精华霜"), ("15g", "20g"), 0.6),
        ("面膜", 89, 269, ("贴片面膜", "涂抹面膜", "睡眠面膜"), ("5片装", "10片装", "100g"), 1.0),
        ("防晒", 119, 259, ("防晒乳 SPF50+", "防晒霜 SPF50+ PA++++"), ("40ml", "60ml"), 0.9),
        ("乳液", 159, 399, ("乳液", "保湿乳"), ("100ml", "120ml"), 0.7),
    ],
    "彩妆": [
        ("口红", 129, 329, ("丝绒唇膏", "水光唇釉", "哑光口红"), ("3.5g",), 1.3),
        ("粉底", 199, 459, ("持妆粉底液", "水润粉底液"), ("30ml",), 0.9),
        ("眼影", 159, 429, ("九色眼影盘", "四色眼影"), ("9g", "4.8g"), 0.7),
        ("气垫", 199, 399, ("气垫霜", "轻透气垫"), ("15g",), 0.8),
        ("睫毛膏", 99, 199, ("纤长睫毛膏", "浓密睫毛膏"), ("8g",), 0.5),
    ],
    "保健": [
        (
            "维生素",
            69,
            199,
            ("复合维生素片", "维生素C泡腾片", "维生素D3软胶囊"),
            ("60粒", "90粒"),
            1.0,
        ),
        ("胶原蛋白", 199, 499, ("胶原蛋白肽饮", "胶原蛋白肽粉"), ("10瓶", "30袋"), 1.0),
        ("益生菌", 99, 299, ("益生菌冻干粉", "益生菌固体饮料"), ("30条", "20袋"), 0.9),
        ("鱼油", 129, 329, ("深海鱼油软胶囊", "Omega-3 鱼油"), ("60粒", "100粒"), 0.7),
        ("叶黄素", 99, 259, ("叶黄素酯片", "蓝莓叶黄素软糖"), ("60粒", "30粒"), 0.5),
    ],
}
L1_WEIGHTS: dict[str, float] = {"护肤": 0.55, "彩妆": 0.25, "保健": 0.20}
L1_ORDER: tuple[str, ...] = ("护肤", "彩妆", "保健")
SUB_BRANDS: dict[str, tuple[str, ...]] = {
    "护肤": ("澜芝", "澜芝实验室"),
    "彩妆": ("澜芝彩妆",),
    "保健": ("澜芝元气",),
}
SERIES: dict[str, tuple[str, ...]] = {
    "护肤": (
        "玻色因紧致",
        "烟酰胺亮肤",
        "377美白",
        "积雪草舒缓",
        "视黄醇抗老",
        "寡肽修护",
        "虾青素抗氧",
        "神经酰胺屏障",
        "透明质酸补水",
        "二裂酵母",
        "山茶花",
        "雪莲焕颜",
    ),
    "彩妆": ("丝绒", "水光", "小金管", "雾感", "光感", "柔焦", "奶茶色", "复古红", "豆沙"),
    "保健": ("元气", "小粉瓶", "鲜萃", "轻养", "益生", "每日", "悦活"),
}

# (city, tier 1..5, weight) -- tier 1 一线, 2 新一线, 3 二线, 4 三线, 5 四线及以下
CITIES: tuple[tuple[str, int, float], ...] = (
    ("上海", 1, 5.0),
    ("北京", 1, 4.5),
    ("广州", 1, 3.5),
    ("深圳", 1, 3.5),
    ("成都", 2, 3.0),
    ("杭州", 2, 3.0),
    ("重庆", 2, 2.5),
    ("武汉", 2, 2.5),
    ("西安", 2, 2.0),
    ("苏州", 2, 2.0),
    ("南京", 2, 2.0),
    ("天津", 2, 1.8),
    ("长沙", 2, 1.8),
    ("郑州", 2, 1.8),
    ("东莞", 2, 1.2),
    ("青岛", 2, 1.5),
    ("沈阳", 2, 1.2),
    ("宁波", 2, 1.2),
    ("昆明", 2, 1.0),
    ("合肥", 3, 1.2),
    ("福州", 3, 1.0),
    ("厦门", 3, 1.0),
    ("济南", 3, 1.0),
    ("大连", 3, 0.8),
    ("南宁", 3, 0.8),
    ("无锡", 3, 0.8),
    ("石家庄", 3, 0.8),
    ("哈尔滨", 3, 0.8),
    ("贵阳", 3, 0.7),
    ("温州", 3, 0.7),
    ("南昌", 3, 0.7),
    ("泉州", 4, 0.6),
    ("洛阳", 4, 0.5),
    ("绵阳", 4, 0.4),
    ("桂林", 4, 0.4),
    ("扬州", 4, 0.4),
    ("芜湖", 4, 0.4),
    ("赣州", 5, 0.4),
    ("曲靖", 5, 0.3),
    ("阜阳", 5, 0.3),
    ("商丘", 5, 0.3),
    ("六安", 5, 0.3),
)
TIER_NAMES: dict[int, str] = {1: "一线", 2: "新一线", 3: "二线", 4: "三线", 5: "四线及以下"}

SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
)
GIVEN_F = tuple("婷静敏丽娜芳雪琳悦欣怡佳颖慧雅晶璐瑶思梦诗涵萱玥琪岚蕾薇")
GIVEN_M = tuple("伟强磊军洋勇杰涛明超浩宇鹏飞俊凯峰辉斌晨阳轩睿")
EMAIL_WORDS = (
    "lily",
    "amy",
    "coco",
    "vivi",
    "momo",
    "sunny",
    "xiaoyu",
    "chen",
    "wang",
    "zhang",
    "liu",
    "yang",
    "huang",
    "zhao",
    "lin",
    "luna",
    "echo",
    "grace",
    "kiki",
    "nana",
    "tina",
    "jessie",
)
EMAIL_DOMAINS = (
    ("qq.com", 0.45),
    ("163.com", 0.18),
    ("126.com", 0.07),
    ("foxmail.com", 0.07),
    ("gmail.com", 0.05),
    ("sina.com", 0.05),
    ("outlook.com", 0.05),
    ("icloud.com", 0.08),
)
SEARCH_TERMS = (
    "精华",
    "美白精华",
    "面霜",
    "防晒霜",
    "防晒",
    "口红",
    "口红 豆沙色",
    "粉底液 干皮",
    "眼霜",
    "面膜",
    "补水面膜",
    "胶原蛋白",
    "胶原蛋白肽",
    "益生菌",
    "维生素C",
    "鱼油",
    "叶黄素",
    "玻色因",
    "烟酰胺",
    "抗老",
    "敏感肌",
    "洁面",
    "氨基酸洁面",
    "套装",
    "礼盒",
    "618",
    "双11",
    "小样",
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN",
    "Mozilla/5.0 (Linux; Android 14; V2309A Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0",
    "Mozilla/5.0 (Linux; Android 13; 22081212C) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.230 Mobile Safari/537.36",
)
UTM = (
    # (utm_source, utm_medium, weight); campaign filled from the calendar
    (None, None, 0.40),
    ("baidu", "cpc", 0.15),
    ("xiaohongshu", "social", 0.12),
    ("weibo", "social", 0.06),
    ("douyin", "kol", 0.08),
    ("wechat", "social", 0.10),
    ("sms", "sms", 0.05),
    ("edm", "email", 0.04),
)
WEB_PAGES = (
    "https://www.lanzhi.com.cn/",
    "https://www.lanzhi.com.cn/category/skincare",
    "https://www.lanzhi.com.cn/category/makeup",
    "https://www.lanzhi.com.cn/category/wellness",
    "https://www.lanzhi.com.cn/activity/member-day",
    "https://www.lanzhi.com.cn/story",
)
MP_PAGES = (
    "pages/index/index",
    "pages/category/index",
    "pages/activity/index",
    "pages/member/index",
)


def seasonality(first_day: date, n_days: int) -> np.ndarray:
    """Daily demand multiplier (mean about 1): 618, Double 11, Double 12, 38, CNY, weekends."""
    days = np.array([first_day + timedelta(days=i) for i in range(n_days)], dtype="datetime64[D]")
    years = days.astype("datetime64[Y]").astype(int) + 1970
    months = days.astype("datetime64[M]").astype(int) % 12 + 1
    dom = (days - days.astype("datetime64[M]")).astype(int) + 1
    dow = (days.astype(int) + 3) % 7  # 0 = Monday
    m = np.ones(n_days)
    m[dow >= 5] *= 1.15
    # 38 女神节 (Mar 1-8)
    m[(months == 3) & (dom <= 8)] *= 1.6
    m[(months == 3) & (dom == 8)] *= 1.8
    # 618 (May 20 presale, Jun 1-18, peak Jun 18)
    m[(months == 5) & (dom >= 20)] *= 1.3
    m[(months == 6) & (dom <= 18)] *= 2.0
    m[(months == 6) & (dom == 18)] *= 2.5
    # Double 11 (Oct 20 presale, Nov 1-11, peak Nov 11) and Double 12
    m[(months == 10) & (dom >= 20)] *= 1.5
    m[(months == 11) & (dom <= 11)] *= 2.4
    m[(months == 11) & (dom == 11)] *= 2.8
    m[(months == 12) & (dom == 12)] *= 1.8
    # Chinese New Year: shopping peak in the 3 weeks before, dip during the holiday week
    cny = {
        2023: date(2023, 1, 22),
        2024: date(2024, 2, 10),
        2025: date(2025, 1, 29),
        2026: date(2026, 2, 17),
        2027: date(2027, 2, 6),
        2028: date(2028, 1, 26),
    }
    for y in np.unique(years):
        d = cny.get(int(y))
        if d is None:
            continue
        off = (days - np.datetime64(d)).astype(int)
        m[(off >= -21) & (off < -7)] *= 1.3
        m[(off >= -3) & (off <= 6)] *= 0.45
    return m / m.mean()


def promo_day(first_day: date, n_days: int) -> np.ndarray:
    """Bool per day: inside a promotion (38, 618, Double 11, Double 12, CNY run-up)."""
    m = seasonality(first_day, n_days)
    return m > 1.25


@dataclass
class Catalog:
    products: pa.Table
    product_id: np.ndarray  # object array of ids
    price: np.ndarray  # list price per product
    l1_code: np.ndarray  # index into L1_ORDER
    l2_code: np.ndarray  # global l2 index
    launched_day: np.ndarray  # days relative to window start
    l2_of_l1: list[np.ndarray]  # l2 indices per l1
    l2_weights: list[np.ndarray]
    products_of_l2: list[np.ndarray]  # product indices per l2 (sorted by launch)
    l2_names: list[str]
    stores: pa.Table
    store_ids: np.ndarray
    store_city: np.ndarray  # city index per store
    cafe_cookies: np.ndarray  # object array of cookie strings


def build_catalog(rng: np.random.Generator, start: date) -> Catalog:
    rows: list[dict[str, object]] = []
    l2_names: list[str] = []
    l2_of_l1: list[np.ndarray] = []
    l2_weights: list[np.ndarray] = []
    l1_code: list[int] = []
    l2_code: list[int] = []
    for i1, l1 in enumerate(L1_ORDER):
        codes = []
        weights = []
        for l2, lo, hi, nouns, sizes, w in CATEGORIES[l1]:
            code = len(l2_names)
            l2_names.append(l2)
            codes.append(code)
            weights.append(w)
            n_products = int(rng.integers(8, 15))
            series = rng.choice(len(SERIES[l1]), size=n_products, replace=True)
            for k in range(n_products):
                brand = SUB_BRANDS[l1][int(rng.integers(0, len(SUB_BRANDS[l1])))]
                noun = nouns[int(rng.integers(0, len(nouns)))]
                size = sizes[int(rng.integers(0, len(sizes)))]
                name = f"{brand} {SERIES[l1][int(series[k])]}{noun} {size}"
                if l1 == "彩妆" and l2 in ("口红", "粉底", "气垫"):
                    name += f" #{int(rng.integers(1, 9)) * 100 + int(rng.integers(1, 20)):03d}"
                raw = lo + (hi - lo) * rng.beta(1.6, 2.2)
                price = float(max(lo, int(round(raw / 10.0)) * 10 - 1))
                if rng.random() < 0.8:
                    launched = date(2019, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 5)))
                else:  # new launches during the window
                    launched = start + timedelta(days=int(rng.integers(0, 600)))
                rows.append(
                    {
                        "product_name": name,
                        "category_l1": l1,
                        "category_l2": l2,
                        "brand": brand,
                        "list_price": price,
                        "launched_on": launched,
                    }
                )
                l1_code.append(i1)
                l2_code.append(code)
        l2_of_l1.append(np.array(codes))
        w = np.array(weights)
        l2_weights.append(w / w.sum())
    n = len(rows)
    ids = np.array([f"SKU{100000 + 37 * i + 11:06d}" for i in range(n)], dtype=object)
    launched = np.array([(r["launched_on"] - start).days for r in rows])
    # keep at least one product per l2 on sale from the start (the classic)
    l2_arr = np.array(l2_code)
    for code in range(len(l2_names)):
        members = np.flatnonzero(l2_arr == code)
        if launched[members].min() > 0:
            j = members[0]
            rows[j]["launched_on"] = date(2019, 6, 1)
            launched[j] = (date(2019, 6, 1) - start).days
    products = pa.table(
        {
            "product_id": pa.array(ids, type=pa.string()),
            "product_name": pa.array([r["product_name"] for r in rows], type=pa.string()),
            "category_l1": pa.array([r["category_l1"] for r in rows], type=pa.string()),
            "category_l2": pa.array([r["category_l2"] for r in rows], type=pa.string()),
            "brand": pa.array([r["brand"] for r in rows], type=pa.string()),
            "list_price": pa.array([r["list_price"] for r in rows], type=pa.float64()),
            "launched_on": pa.array([r["launched_on"] for r in rows], type=pa.date32()),
        }
    )
    products_of_l2 = []
    for code in range(len(l2_names)):
        members = np.flatnonzero(l2_arr == code)
        products_of_l2.append(members[np.argsort(launched[members], kind="stable")])

    # stores: 80 stores, weighted to big cities
    city_w = np.array([c[2] for c in CITIES])
    big = np.array([c[1] <= 3 for c in CITIES])
    w = np.where(big, city_w, 0.0)
    store_city = rng.choice(len(CITIES), size=80, p=w / w.sum())
    store_city = np.sort(store_city, kind="stable")
    store_ids = np.array([f"ST{1001 + i}" for i in range(80)], dtype=object)
    stores = pa.table(
        {
            "store_id": pa.array(store_ids, type=pa.string()),
            "city": pa.array([CITIES[c][0] for c in store_city], type=pa.string()),
        }
    )
    cafe = np.array(
        ["".join(rng.choice(list("0123456789abcdef"), size=32)) for _ in range(N_CAFE_COOKIES)],
        dtype=object,
    )
    cafe = np.array(
        [f"{c[:8]}-{c[8:12]}-{c[12:16]}-{c[16:20]}-{c[20:]}" for c in cafe], dtype=object
    )
    return Catalog(
        products=products,
        product_id=ids,
        price=np.array([r["list_price"] for r in rows]),
        l1_code=np.array(l1_code),
        l2_code=l2_arr,
        launched_day=launched,
        l2_of_l1=l2_of_l1,
        l2_weights=l2_weights,
        products_of_l2=products_of_l2,
        l2_names=l2_names,
        stores=stores,
        store_ids=store_ids,
        store_city=store_city,
        cafe_cookies=cafe,
    )


def campaign_calendar(start: date, end: date) -> list[dict[str, object]]:
    """Campaigns of the window: one per month plus the big festivals, channel rotating."""
    out: list[dict[str, object]] = []
    channels = ("sms", "push", "wecom", "email")
    d = date(start.year, start.month, 1)
    i = 0
    while d <= end:
        for day, label in ((5, "member_day"), (20, "newsletter")):
            sent = date(d.year, d.month, min(day, 28))
            if start <= sent <= end:
                ch = channels[i % 4]
                if d.month == 3 and day == 5:
                    label = "38_goddess"
                elif d.month == 6 and day == 5:
                    label = "618"
                elif d.month == 11 and day == 5:
                    label = "double11"
                out.append(
                    {
                        "campaign_id": f"CMP{sent:%Y%m}{day:02d}_{label}",
                        "channel": ch,
                        "sent_on": sent,
                        "label": label,
                    }
                )
                i += 1
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out
