//! A builder of meeting records, item by item, over the base org.

use super::{BASE, ORG, stream};

/// The base org record (the first document of [`BASE`]).
pub fn base_org() -> String {
    BASE.split("\n---\n").next().unwrap_or_default().to_string() + "\n"
}

/// One agenda item of a [`Meeting`].
#[derive(Debug, Clone)]
pub struct Item {
    /// `no`.
    pub no: u32,
    /// `category`.
    pub category: String,
    /// `amount`, if any.
    pub amount: Option<u64>,
    /// `agenda`, if written.
    pub agenda: Option<String>,
    /// `materials_sent`, if recorded.
    pub materials_sent: Option<String>,
    /// `interested`.
    pub interested: Vec<String>,
    /// `recused`.
    pub recused: Vec<String>,
    /// `opinions` as (name, stance); `None` = every attendee who did not
    /// recuse says 同意, the chair last.
    pub opinions: Option<Vec<(String, String)>>,
    /// `outcome`.
    pub outcome: String,
    /// `ratifies`, if any.
    pub ratifies: Option<String>,
}

impl Item {
    /// A 三重一大 item of this category, materials sent two days before a
    /// meeting on 2014-07-18, passed by everyone present.
    pub fn new(no: u32, category: &str) -> Item {
        Item {
            no,
            category: category.to_string(),
            amount: None,
            agenda: None,
            materials_sent: Some("2014-07-16".to_string()),
            interested: Vec::new(),
            recused: Vec::new(),
            opinions: None,
            outcome: "通过".to_string(),
            ratifies: None,
        }
    }

    /// A passed 大额资金使用 item of `amount`.
    pub fn money(no: u32, amount: u64) -> Item {
        Item::new(no, "大额资金使用").amount(amount)
    }

    /// Set `amount`.
    pub fn amount(mut self, amount: u64) -> Item {
        self.amount = Some(amount);
        self
    }

    /// Set `agenda`.
    pub fn agenda(mut self, agenda: &str) -> Item {
        self.agenda = Some(agenda.to_string());
        self
    }

    /// Set or clear `materials_sent`.
    pub fn materials_sent(mut self, date: Option<&str>) -> Item {
        self.materials_sent = date.map(str::to_string);
        self
    }

    /// Set `interested`.
    pub fn interested(mut self, names: &[&str]) -> Item {
        self.interested = names.iter().map(|s| (*s).to_string()).collect();
        self
    }

    /// Set `recused`.
    pub fn recused(mut self, names: &[&str]) -> Item {
        self.recused = names.iter().map(|s| (*s).to_string()).collect();
        self
    }

    /// Set the opinions, in speaking order.
    pub fn opinions(mut self, opinions: &[(&str, &str)]) -> Item {
        self.opinions = Some(
            opinions
                .iter()
                .map(|(n, s)| ((*n).to_string(), (*s).to_string()))
                .collect(),
        );
        self
    }

    /// Set `outcome`.
    pub fn outcome(mut self, outcome: &str) -> Item {
        self.outcome = outcome.to_string();
        self
    }

    /// Set `ratifies`.
    pub fn ratifies(mut self, id: &str) -> Item {
        self.ratifies = Some(id.to_string());
        self
    }
}

/// A meeting record, compliant unless told otherwise.
#[derive(Debug, Clone)]
pub struct Meeting {
    /// `id`.
    pub id: String,
    /// `org`.
    pub org: String,
    /// `body`.
    pub body: String,
    /// `date`.
    pub date: String,
    /// `chair`.
    pub chair: String,
    /// `members`.
    pub members: Vec<String>,
    /// `attendees`.
    pub attendees: Vec<String>,
    /// `absent`; `None` = each member not attending, with a reason.
    pub absent: Option<Vec<(String, Option<String>)>>,
    /// `observers`; `None` leaves the field out.
    pub observers: Option<Vec<(String, Option<String>)>>,
    /// `items`.
    pub items: Vec<Item>,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

fn flow(list: &[String]) -> String {
    format!("[{}]", list.join(", "))
}

impl Meeting {
    /// The base team's 党组会 of 2014-07-18 (id `M-1`), everyone present, a
    /// discipline observer, one passed 大额资金使用 item of 500000.
    pub fn new() -> Meeting {
        let team = names(&["王建国", "李明", "张华", "赵强", "刘芳"]);
        Meeting {
            id: "M-1".to_string(),
            org: ORG.to_string(),
            body: "党组会".to_string(),
            date: "2014-07-18".to_string(),
            chair: "王建国".to_string(),
            members: team.clone(),
            attendees: team,
            absent: None,
            observers: Some(vec![(
                "陈静".to_string(),
                Some("区纪委派驻纪检组".to_string()),
            )]),
            items: vec![Item::money(1, 500_000)],
        }
    }

    /// Set `id`.
    pub fn id(mut self, id: &str) -> Meeting {
        self.id = id.to_string();
        self
    }

    /// Set `org`.
    pub fn org(mut self, org: &str) -> Meeting {
        self.org = org.to_string();
        self
    }

    /// Set `body`.
    pub fn body(mut self, body: &str) -> Meeting {
        self.body = body.to_string();
        self
    }

    /// Set `date`.
    pub fn date(mut self, date: &str) -> Meeting {
        self.date = date.to_string();
        self
    }

    /// Set `members`; attendees become the same people.
    pub fn members(mut self, list: &[&str]) -> Meeting {
        self.members = names(list);
        self.attendees = names(list);
        self
    }

    /// Set `attendees`.
    pub fn attendees(mut self, list: &[&str]) -> Meeting {
        self.attendees = names(list);
        self
    }

    /// Set `absent` as (name, reason).
    pub fn absent(mut self, list: &[(&str, Option<&str>)]) -> Meeting {
        self.absent = Some(
            list.iter()
                .map(|(n, r)| ((*n).to_string(), r.map(str::to_string)))
                .collect(),
        );
        self
    }

    /// Set `observers` as (name, unit); `None` leaves the field out.
    pub fn observers(mut self, list: Option<&[(&str, Option<&str>)]>) -> Meeting {
        self.observers = list.map(|l| {
            l.iter()
                .map(|(n, u)| ((*n).to_string(), u.map(str::to_string)))
                .collect()
        });
        self
    }

    /// Replace the items.
    pub fn items(mut self, items: Vec<Item>) -> Meeting {
        self.items = items;
        self
    }

    /// Replace the items with one.
    pub fn item(self, item: Item) -> Meeting {
        self.items(vec![item])
    }

    /// The record as YAML.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(out, "kind: meeting");
        let _ = writeln!(out, "id: {}", self.id);
        let _ = writeln!(out, "org: {}", self.org);
        let _ = writeln!(out, "body: {}", self.body);
        let _ = writeln!(out, "date: {}", self.date);
        let _ = writeln!(out, "chair: {}", self.chair);
        let _ = writeln!(out, "members: {}", flow(&self.members));
        let _ = writeln!(out, "attendees: {}", flow(&self.attendees));
        let absent = self.absent.clone().unwrap_or_else(|| {
            self.members
                .iter()
                .filter(|m| !self.attendees.contains(m))
                .map(|m| (m.clone(), Some("公务出差".to_string())))
                .collect()
        });
        if !absent.is_empty() {
            let _ = writeln!(out, "absent:");
            for (name, reason) in &absent {
                match reason {
                    Some(r) => {
                        let _ = writeln!(out, "  - {{name: {name}, reason: {r}}}");
                    }
                    None => {
                        let _ = writeln!(out, "  - {{name: {name}}}");
                    }
                }
            }
        }
        if let Some(observers) = &self.observers {
            if observers.is_empty() {
                let _ = writeln!(out, "observers: []");
            } else {
                let _ = writeln!(out, "observers:");
                for (name, unit) in observers {
                    match unit {
                        Some(u) => {
                            let _ = writeln!(out, "  - {{name: {name}, unit: {u}}}");
                        }
                        None => {
                            let _ = writeln!(out, "  - {{name: {name}}}");
                        }
                    }
                }
            }
        }
        let _ = writeln!(out, "items:");
        for i in &self.items {
            let _ = writeln!(out, "  - no: {}", i.no);
            let _ = writeln!(out, "    title: 第{}项议题", i.no);
            let _ = writeln!(out, "    category: {}", i.category);
            if let Some(a) = i.amount {
                let _ = writeln!(out, "    amount: {a}");
            }
            if let Some(a) = &i.agenda {
                let _ = writeln!(out, "    agenda: {a}");
            }
            if let Some(d) = &i.materials_sent {
                let _ = writeln!(out, "    materials_sent: {d}");
            }
            if !i.interested.is_empty() {
                let _ = writeln!(out, "    interested: {}", flow(&i.interested));
            }
            if !i.recused.is_empty() {
                let _ = writeln!(out, "    recused: {}", flow(&i.recused));
            }
            let opinions = i.opinions.clone().unwrap_or_else(|| {
                let voters = self.attendees.iter().filter(|a| !i.recused.contains(a));
                voters
                    .clone()
                    .filter(|a| **a != self.chair)
                    .chain(voters.filter(|a| **a == self.chair))
                    .map(|a| (a.clone(), "同意".to_string()))
                    .collect()
            });
            if opinions.is_empty() {
                let _ = writeln!(out, "    opinions: []");
            } else {
                let _ = writeln!(out, "    opinions:");
                for (name, stance) in &opinions {
                    let _ = writeln!(out, "      - {{name: {name}, stance: {stance}}}");
                }
            }
            let _ = writeln!(out, "    outcome: {}", i.outcome);
            if let Some(r) = &i.ratifies {
                let _ = writeln!(out, "    ratifies: {r}");
            }
        }
        out
    }
}

impl Default for Meeting {
    fn default() -> Meeting {
        Meeting::new()
    }
}

/// The base org and these meetings (and other documents) as one stream.
pub fn with_org(docs: &[&str]) -> String {
    let org = base_org();
    let mut all: Vec<&str> = vec![&org];
    all.extend_from_slice(docs);
    stream(&all)
}
