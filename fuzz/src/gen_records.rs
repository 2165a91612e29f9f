//! Record sets built from fuzzer bytes by a small grammar: orgs, meetings
//! and disbursements whose ids, names, dates, amounts and enumerations come
//! from small pools, so that references resolve, thresholds are crossed and
//! the rules have something to find. Now and then a value is of the wrong
//! type or outside its list, so that some records are rejected.

use arbitrary::{Result, Unstructured};

const ORGS: &[&str] = &["zhujian", "jiaoyu", "ghost"];
const PEOPLE: &[&str] = &[
    "王建国",
    "李明",
    "张华",
    "赵强",
    "刘芳",
    "何伟",
    "孙立",
    "周敏",
];
const AREAS: &[&str] = &[
    "全面工作",
    "财务",
    "人事",
    "物资采购",
    "工程招投标",
    "行政审批",
    "纪检监察",
];
const BODIES: &[&str] = &[
    "党组会",
    "局长办公会",
    "区委常委会",
    "书记办公会",
    "传阅",
    "现场办公会",
    "碰头会",
    "",
];
const CATEGORIES: &[&str] = &[
    "重大事项决策",
    "重要干部任免",
    "重大项目投资",
    "大额资金使用",
    "一般事项",
    "其他",
];
const STANCES: &[&str] = &["同意", "不同意", "缓议", "弃权"];
const OUTCOMES: &[&str] = &["通过", "不通过", "缓议", "搁置"];
const AGENDAS: &[&str] = &["会前确定", "临时动议"];
const STEPS: &[&str] = &["用款申请", "财政审核", "提单", "集体审核", "签字", "划拨"];
const AMOUNTS: &[&str] = &[
    "0",
    "1",
    "50000",
    "100000",
    "199999",
    "200000",
    "200001",
    "1200000",
    "99999999999",
    "0.5",
    "-1",
    "1e300",
    "20万",
    "\"200000\"",
];
const UNITS: &[&str] = &["区纪委派驻纪检组", "办公室", "纪检监察室", ""];
const MEETINGS: &[&str] = &["M-1", "M-2", "M-3"];
const PAYMENTS: &[&str] = &["P-1", "P-2", "P-3", "P-4"];
const PAYEES: &[&str] = &["路桥公司", "防汛站", "印刷厂"];

fn pick<'a>(u: &mut Unstructured, pool: &[&'a str]) -> Result<&'a str> {
    u.choose(pool).copied()
}

fn names(u: &mut Unstructured, max: usize) -> Result<Vec<&'static str>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| pick(u, PEOPLE)).collect()
}

fn flow_list(items: &[&str]) -> String {
    format!("[{}]", items.join(", "))
}

/// A date near mid-2014; rarely one that does not exist or is not a date.
fn date(u: &mut Unstructured) -> Result<String> {
    if u.ratio(1, 40)? {
        return Ok(pick(
            u,
            &[
                "2014-02-30",
                "2014-13-01",
                "tomorrow",
                "2014-7-1",
                "\"2014-07-18\"",
            ],
        )?
        .to_string());
    }
    let day: u32 = u.int_in_range(0..=70)?;
    // June and July 2014 and the first days of August.
    let (m, d) = match day {
        0..=29 => (6, day + 1),
        30..=60 => (7, day - 29),
        _ => (8, day - 60),
    };
    Ok(format!("2014-{m:02}-{d:02}"))
}

/// A value of the wrong type, now and then.
fn maybe_wrong(u: &mut Unstructured, value: String) -> Result<String> {
    if u.ratio(1, 60)? {
        return Ok(pick(u, &["[]", "{}", "~", "true", "{a: 1}", "[1, [2]]"])?.to_string());
    }
    Ok(value)
}

fn org(u: &mut Unstructured, id: &str) -> Result<String> {
    let mut s = format!("kind: org\nid: {id}\nname: 单位{id}\nleaders:\n");
    let n = u.int_in_range(0..=5)?;
    for _ in 0..n {
        let name = pick(u, PEOPLE)?;
        let mut manages = Vec::new();
        for _ in 0..u.int_in_range(0..=3)? {
            manages.push(pick(u, AREAS)?);
        }
        let principal = if u.ratio(1, 3)? {
            ", principal: true"
        } else {
            ""
        };
        s.push_str(&format!(
            "  - {{name: {name}, post: 职务{principal}, manages: {}}}\n",
            flow_list(&manages)
        ));
    }
    Ok(s)
}

fn meeting(u: &mut Unstructured, id: &str) -> Result<String> {
    let members = names(u, 6)?;
    let attendees = names(u, 6)?;
    let chair = pick(u, PEOPLE)?;
    let day = date(u)?;
    let day = maybe_wrong(u, day)?;
    let attendees = maybe_wrong(u, flow_list(&attendees))?;
    let mut s = format!(
        "kind: meeting\nid: {id}\norg: {}\nbody: {}\ndate: {}\nchair: {chair}\nmembers: {}\nattendees: {}\n",
        pick(u, ORGS)?,
        pick(u, BODIES)?,
        day,
        flow_list(&members),
        attendees,
    );
    if u.arbitrary()? {
        s.push_str("absent:\n");
        for name in names(u, 2)? {
            if u.arbitrary()? {
                s.push_str(&format!("  - {{name: {name}, reason: 出差}}\n"));
            } else {
                s.push_str(&format!("  - {{name: {name}}}\n"));
            }
        }
    }
    if u.arbitrary()? {
        s.push_str("observers:\n");
        for _ in 0..u.int_in_range(0..=2)? {
            s.push_str(&format!("  - {{name: 陈静, unit: {}}}\n", pick(u, UNITS)?));
        }
    }
    s.push_str("items:\n");
    for no in 1..=u.int_in_range(0..=3)? {
        let no = if u.ratio(1, 20)? { 1 } else { no };
        s.push_str(&format!(
            "  - no: {no}\n    title: 议题{no}\n    category: {}\n",
            pick(u, CATEGORIES)?
        ));
        if u.arbitrary()? {
            s.push_str(&format!("    amount: {}\n", pick(u, AMOUNTS)?));
        }
        if u.arbitrary()? {
            s.push_str(&format!("    agenda: {}\n", pick(u, AGENDAS)?));
        }
        if u.arbitrary()? {
            s.push_str(&format!("    materials_sent: {}\n", date(u)?));
        }
        if u.ratio(1, 4)? {
            s.push_str(&format!("    interested: {}\n", flow_list(&names(u, 2)?)));
        }
        if u.ratio(1, 4)? {
            s.push_str(&format!("    recused: {}\n", flow_list(&names(u, 2)?)));
        }
        if u.arbitrary()? {
            s.push_str("    opinions:\n");
            for _ in 0..u.int_in_range(0..=6)? {
                let note = if u.ratio(1, 5)? { ", note: 意见" } else { "" };
                s.push_str(&format!(
                    "      - {{name: {}, stance: {}{note}}}\n",
                    pick(u, PEOPLE)?,
                    pick(u, STANCES)?
                ));
            }
        }
        s.push_str(&format!("    outcome: {}\n", pick(u, OUTCOMES)?));
        if u.ratio(1, 4)? {
            s.push_str(&format!("    ratifies: {}\n", pick(u, PAYMENTS)?));
        }
    }
    Ok(s)
}

fn by(u: &mut Unstructured) -> Result<String> {
    if u.arbitrary()? {
        Ok(pick(u, PEOPLE)?.to_string())
    } else {
        Ok(flow_list(&names(u, 3)?))
    }
}

fn disbursement(u: &mut Unstructured, id: &str) -> Result<String> {
    let amount = pick(u, AMOUNTS)?.to_string();
    let amount = maybe_wrong(u, amount)?;
    let mut s = format!(
        "kind: disbursement\nid: {id}\norg: {}\npayee: {}\namount: {amount}\n",
        pick(u, ORGS)?,
        pick(u, PAYEES)?,
    );
    if u.arbitrary()? {
        s.push_str("project: 工程\n");
    }
    if u.ratio(1, 4)? {
        s.push_str(&format!(
            "emergency: {{decided_by: {}, reason: 防汛抢险}}\n",
            pick(u, PEOPLE)?
        ));
    }
    s.push_str("steps:\n");
    for _ in 0..u.int_in_range(0..=7)? {
        let step = pick(u, STEPS)?;
        let d = date(u)?;
        let line = match step {
            "集体审核" => format!(
                "  - {{step: 集体审核, meeting: {}, item: {}, date: {d}}}\n",
                pick(u, MEETINGS)?,
                u.int_in_range(0..=4)?
            ),
            "划拨" if u.arbitrary()? => format!(
                "  - {{step: 划拨, by: {}, date: {d}, amount: {}}}\n",
                by(u)?,
                pick(u, AMOUNTS)?
            ),
            "财政审核" => format!(
                "  - {{step: 财政审核, by: {}, date: {d}, result: 符合}}\n",
                by(u)?
            ),
            _ => format!("  - {{step: {step}, by: {}, date: {d}}}\n", by(u)?),
        };
        s.push_str(&line);
    }
    Ok(s)
}

/// A generated record set: files (name, YAML text) and the number of
/// documents written in all.
#[derive(Debug, Clone, Default)]
pub struct RecordSet {
    /// The files, in path order.
    pub files: Vec<(String, String)>,
    /// Documents written.
    pub documents: usize,
}

/// Build a record set from fuzzer bytes.
pub fn record_set(u: &mut Unstructured) -> Result<RecordSet> {
    let nfiles = u.int_in_range(1..=3)?;
    let mut files: Vec<(String, Vec<String>)> = (0..nfiles)
        .map(|i| (format!("r{i}.yaml"), Vec::new()))
        .collect();
    let ndocs = u.int_in_range(0..=8)?;
    let mut documents = 0;
    for _ in 0..ndocs {
        let doc = match u.int_in_range(0..=2)? {
            0 => {
                let id = pick(u, ORGS)?;
                org(u, id)?
            }
            1 => {
                let id = pick(u, MEETINGS)?;
                meeting(u, id)?
            }
            _ => {
                let id = pick(u, PAYMENTS)?;
                disbursement(u, id)?
            }
        };
        let f = u.choose_index(files.len())?;
        if let Some((_, docs)) = files.get_mut(f) {
            docs.push(doc);
            documents += 1;
        }
    }
    Ok(RecordSet {
        files: files
            .into_iter()
            .map(|(name, docs)| (name, docs.join("---\n")))
            .collect(),
        documents,
    })
}
