"""The field's vocabulary by topic, from GLOSSARY.md: who acts, what they do, to what.

Every generated corpus draws on it: the generated archive (`headlines`), the realistic feeds
(`realistic_feeds`) and the small feeds of the ingestion tests (`feeds`).
"""

from __future__ import annotations

SOURCES = [
    "USCIS news", "Federal Register", "State Department", "White House actions", "NSF news",
    "DHS press", "ICE SEVP", "BIS press", "IRCC news", "UK Home Office", "Nature careers",
    "Science Insider", "Inside Higher Ed", "Chronicle of Higher Education", "University World News",
    "SCMP China", "Caixin Global", "Sixth Tone", "MacroPolo", "CSET", "Brookings", "Carnegie",
    "CSIS", "ITIF", "Times Higher Education", "Bloomberg tech", "Reuters tech", "AP politics",
    "Politico pro", "Axios China", "The Wire China", "China Talk", "Lawfare", "Protocol",
    "新华网", "人民日报", "中国科学报", "澎湃新闻", "財新網", "聯合報",
]  # fmt: skip

TOPICS = {
    "visa-policy": {
        "subjects": ["USCIS", "The State Department", "DHS", "ICE", "Consular Affairs", "CBP"],
        "verbs": ["finalizes", "proposes", "pauses", "revises", "announces", "delays"],
        "objects": [
            "H-1B fee rule", "F-1 duration-of-status rule", "J-1 exchange visitor guidance",
            "STEM OPT extension policy", "visa interview waiver", "H-1B lottery changes",
            "O-1 evidence criteria", "EB-2 national interest waiver guidance",
            "Proclamation 10043 visa revocations", "administrative processing backlog",
        ],
        "details": [
            "The change affects Chinese graduate students and researchers in STEM fields.",
            "Employers must file new petitions before the lottery opens in March.",
            "Applicants report longer 221(g) administrative processing at consulates.",
            "The interim final rule takes effect thirty days after publication.",
            "Universities warned that students on OPT may lose work authorization.",
        ],
    },
    "talent-programs": {
        "subjects": ["Beijing", "Shenzhen", "Shanghai", "Hangzhou", "NSF", "The UK"],
        "verbs": ["expands", "launches", "renames", "ends", "funds", "reviews"],
        "objects": [
            "Thousand Talents recruitment", "Qiming young scientist program",
            "Changjiang Scholars awards", "talent introduction scheme",
            "Global Talent visa route", "CHIPS and Science Act fellowships",
            "foreign expert recruitment drive", "Youth Thousand Talents grants",
        ],
        "details": [
            "Disclosure rules require researchers to report foreign talent program ties.",
            "The program offers housing, lab funding and salaries to returning scientists.",
            "Federal funders ban participation in malign foreign talent recruitment programs.",
            "City officials said the scheme targets semiconductor and AI researchers.",
        ],
    },
    "returnees": {
        "subjects": ["A Princeton physicist", "A Harvard chemist", "An MIT engineer",
                     "A Stanford mathematician", "A Berkeley biologist", "A Caltech researcher"],
        "verbs": ["returns to", "joins", "moves to", "relocates to", "leaves the US for"],
        "objects": ["Tsinghua University", "Peking University", "Westlake University",
                    "Zhejiang University", "Fudan University", "Shanghai Jiao Tong University"],
        "details": [
            "Sea turtles, as returnees are called, cite funding and family as reasons.",
            "The move is the latest in a wave of reverse migration among senior scientists.",
            "A new study traces brain circulation between Cambridge and Chinese campuses.",
            "Colleagues said the China Initiative prosecutions weighed on the decision.",
        ],
    },
    "research-security": {
        "subjects": ["NIH", "NSF", "DOJ", "The SECURE Center", "Canada", "Australia"],
        "verbs": ["tightens", "publishes", "updates", "reviews", "drops", "expands"],
        "objects": [
            "NSPM-33 implementation guidance", "research security training requirement",
            "foreign influence review", "China Initiative cases",
            "sensitive technology research policy", "affiliations of concern list",
        ],
        "details": [
            "University compliance offices must certify training for all key personnel.",
            "Critics call the reviews a new McCarthyism that chills collaboration.",
            "The Feng Tao case at the University of Kansas ended in acquittal on appeal.",
            "The G7 working group published common principles on research security.",
        ],
    },
    "export-controls": {
        "subjects": ["BIS", "The Commerce Department", "Treasury", "The Netherlands", "Japan"],
        "verbs": ["adds", "restricts", "clarifies", "expands", "tightens"],
        "objects": [
            "universities to the Entity List", "deemed export licensing for researchers",
            "advanced GPU export rules", "AI chip controls", "outbound investment rules",
        ],
        "details": [
            "Students at listed universities face new limits on access to US technology.",
            "Sharing controlled technology with a foreign national in the US is an export.",
            "Labs must screen visiting scholars against the Entity List before hiring.",
        ],
    },
    "student-mobility": {
        "subjects": ["Open Doors", "SEVIS data", "UNESCO", "IIE", "A new survey", "NAFSA"],
        "verbs": ["shows", "reports", "finds", "tracks", "counts"],
        "objects": [
            "fewer Chinese students in the US", "a drop in US students in China",
            "record Indian student enrollment", "falling PhD applications from China",
            "joint-venture university growth", "the end of Fulbright China",
        ],
        "details": [
            "About 278,000 Chinese students studied in the US in 2023-24.",
            "Duke Kunshan and NYU Shanghai reported steady enrollment.",
            "Graduate programs in engineering saw the sharpest decline.",
        ],
    },
    "ai-talent": {
        "subjects": ["MacroPolo", "DeepSeek", "Moonshot", "MiniMax", "StepFun", "NeurIPS data"],
        "verbs": ["hires", "tracks", "maps", "recruits", "loses"],
        "objects": [
            "top AI researchers", "Chinese-born machine learning talent",
            "graduates of Tsinghua and Peking", "large language model engineers",
            "interns who declined US offers",
        ],
        "details": [
            "Nearly half of top AI researchers did their undergraduate studies in China.",
            "The Global AI Talent Tracker maps where researchers train and work.",
            "Big labs compete for engineers with visa trouble in the US.",
        ],
    },
}  # fmt: skip

DOCKETS = {
    "visa-policy": "USCIS",
    "talent-programs": "NSF",
    "returnees": "NOTE",
    "research-security": "NIH",
    "export-controls": "BIS",
    "student-mobility": "IIE",
    "ai-talent": "CSET",
}
CHINESE = {
    "visa-policy": ["美国收紧留学签证政策", "中国学生赴美签证遭拒签", "行政审查延长 留学生受影响",
                    "H-1B抽签费用上调", "美國國務院撤銷部分簽證"],
    "talent-programs": ["千人计划人才引进新规", "深圳推出海外人才引进计划",
                        "国家杰出青年科学基金扩大资助", "長江學者獎勵計劃公布名單"],
    "returnees": ["海归科学家回国任教", "知名学者从美国回到清华大学", "西湖大学引进海外人才",
                  "旅美學者回國潮持續"],
    "research-security": ["美国中国行动计划引发学术界担忧", "研究安全审查影响中美合作"],
    "export-controls": ["美国商务部将多所大学列入实体清单", "芯片出口管制影响科研人员"],
    "student-mobility": ["赴美中国留学生人数下降", "中美学生交流项目恢复", "留學生人數創新低"],
    "ai-talent": ["人工智能人才流动报告发布", "深度求索团队多为本土培养", "大模型工程师争夺战"],
}  # fmt: skip
CHINESE_DETAILS = [
    "报道称，相关政策将影响理工科研究生和访问学者。",
    "专家认为，人才竞争正在改变中美科研合作格局。",
    "學者表示，簽證延誤讓不少學生改變留學計劃。",
]
