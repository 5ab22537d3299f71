//! The committee's work in the database: committees, meetings and their items. A reader gets a
//! meeting only when its label is readable, and within it only the items whose own labels are
//! readable — the filter is in each query.

use std::collections::HashSet;

use pillar_core::committee::{
    Action, AgendaItem, Committee, CommitteeContext, CommitteeFile, Decision, Meeting,
};
use pillar_core::{InputError, RegistryKind};
use serde::Serialize;
use sqlx::Row as _;

use crate::db::Store;
use crate::error::StoreError;
use crate::registry::intern_labels;
use crate::visibility::{Entitlements, Labelled};

/// A meeting in a list.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingSummary {
    /// Id.
    pub id: String,
    /// Committee id.
    pub committee: String,
    /// Title.
    pub title: String,
    /// Date.
    pub date: String,
    /// Label.
    pub label: pillar_label::Label,
}

/// An open action item with where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct OpenAction {
    /// Meeting id.
    pub meeting: String,
    /// Meeting title.
    pub meeting_title: String,
    /// The action.
    pub action: Action,
    /// Its label.
    pub label: pillar_label::Label,
}

struct Known {
    people: HashSet<String>,
    projects: HashSet<String>,
}

impl CommitteeContext for Known {
    fn person(&self, id: &str) -> bool {
        self.people.contains(id)
    }
    fn project(&self, id: &str) -> bool {
        self.projects.contains(id)
    }
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table: "meeting_items",
        reason: e.to_string(),
    }
}

impl Store {
    /// Imports committees and meetings, checked first and written in one transaction; a
    /// meeting that exists is replaced with its new record. New committees and meetings record
    /// `origin`; those that exist keep the origin they were created with.
    pub async fn import_committee(
        &self,
        file: &str,
        data: &CommitteeFile,
        origin: &pillar_core::stewardship::Origin,
        audit: Option<&crate::audit::Audited<'_>>,
    ) -> Result<(usize, usize), StoreError> {
        let mut numbered = data.clone();
        numbered
            .meetings
            .iter_mut()
            .for_each(Meeting::number_actions);
        let data = &numbered;
        let known = Known {
            people: self
                .export(RegistryKind::People)
                .await?
                .iter()
                .map(|r| r.id().to_string())
                .collect(),
            // The ids only: reading every project with its assessments would be wasted here.
            projects: sqlx::query_scalar::<_, String>("SELECT id FROM projects")
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect(),
        };
        let stored: Vec<String> = self
            .committees(None)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        data.check(&known, &stored).map_err(|e| {
            StoreError::Input(InputError::new(file, None, Some(&e.field), e.reason))
        })?;
        let (set, _) = self.policy_set().await?;
        let unclassified = pillar_label::Label::new(
            pillar_label::Label::coalition_policy(),
            pillar_label::COALITION_UNCLASSIFIED,
        );
        let mut labels = Vec::new();
        for (i, c) in data.committees.iter().enumerate() {
            labels.push((
                format!("committees[{i}].label"),
                c.label.as_ref().unwrap_or(&unclassified),
            ));
        }
        labels.extend(labels_of(&data.meetings));
        for (field, l) in &labels {
            let ok = set.resolve(l).map(|r| set.is_valid(&r)).unwrap_or(false);
            if !ok {
                return Err(StoreError::Input(InputError::new(
                    file,
                    None,
                    Some(field),
                    "the label does not resolve or is not valid under its policy",
                )));
            }
        }
        let mut tx = self.begin_write().await?;
        let (ids, _) = intern_labels(&mut tx, labels.iter().map(|(_, l)| *l)).await?;
        // Parents may come later in the file: committees first without, then with parents.
        for c in &data.committees {
            sqlx::query(
                "INSERT INTO committees (id, name, parent, label_id, origin_org, origin_nation, committee_own) \
                 VALUES ($1, $2, NULL, $3, $4, $5, $6) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, label_id = excluded.label_id",
            )
            .bind(&c.id)
            .bind(&c.name)
            .bind(ids[c.label.as_ref().unwrap_or(&unclassified)])
            .bind(origin.organisation.as_deref())
            .bind(origin.nation.as_str())
            .bind(i64::from(origin.committee))
            .execute(&mut *tx)
            .await?;
        }
        for c in &data.committees {
            sqlx::query("UPDATE committees SET parent = $2 WHERE id = $1")
                .bind(&c.id)
                .bind(c.parent.clone())
                .execute(&mut *tx)
                .await?;
        }
        for m in &data.meetings {
            // A meeting recorded again keeps the origin it was created with.
            let kept = sqlx::query(
                "SELECT origin_org, origin_nation, committee_own FROM meetings WHERE id = $1",
            )
            .bind(&m.id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| crate::origins::read(&r, 0, "meetings"))
            .transpose()?;
            let origin = kept.as_ref().unwrap_or(origin);
            sqlx::query("DELETE FROM meeting_items WHERE meeting_id = $1")
                .bind(&m.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM meetings WHERE id = $1")
                .bind(&m.id)
                .execute(&mut *tx)
                .await?;
            insert_meeting(&mut tx, m, origin, &ids).await?;
        }
        let touched: Vec<&pillar_label::Label> = labels.iter().map(|(_, l)| *l).collect();
        self.commit_touching(tx, audit, &touched).await?;
        Ok((data.committees.len(), data.meetings.len()))
    }

    /// The committees and working groups `readable` allows (all with `None`, for checks).
    pub(crate) async fn committees(
        &self,
        readable: Option<&Entitlements>,
    ) -> Result<Vec<Committee>, StoreError> {
        let q = Labelled::filtered(
            self.backend(),
            readable,
            "SELECT c.id, c.name, c.parent, l.canonical FROM committees c \
             LEFT JOIN labels l ON l.id = c.label_id WHERE {label:c.label_id} ORDER BY c.id",
        );
        let rows = q
            .bind_rows(sqlx::query(q.sql()))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Committee {
                    id: r.get(0),
                    name: r.get(1),
                    parent: r.get(2),
                    label: r
                        .get::<Option<String>, _>(3)
                        .map(|l| pillar_label::Label::from_json(&l))
                        .transpose()
                        .map_err(corrupt)?,
                })
            })
            .collect()
    }

    /// The meetings whose label is readable, newest first.
    pub(crate) async fn meetings(
        &self,
        readable: &Entitlements,
    ) -> Result<Vec<MeetingSummary>, StoreError> {
        let q = Labelled::filtered(
            self.backend(),
            Some(readable),
            "SELECT m.id, m.committee_id, m.title, m.held_on, l.canonical FROM meetings m \
             JOIN labels l ON l.id = m.label_id JOIN committees c ON c.id = m.committee_id \
             WHERE {label:m.label_id} AND {label:c.label_id} ORDER BY m.held_on DESC, m.id",
        );
        let rows = q
            .bind_rows(sqlx::query(q.sql()))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(MeetingSummary {
                    id: r.get(0),
                    committee: r.get(1),
                    title: r.get(2),
                    date: r.get(3),
                    label: pillar_label::Label::from_json(&r.get::<String, _>(4))
                        .map_err(corrupt)?,
                })
            })
            .collect()
    }

    /// A meeting with only the items the reader may see; `None` when the meeting itself is not
    /// readable or does not exist. The labels of the items shown come with it, for the banner.
    pub(crate) async fn meeting(
        &self,
        id: &str,
        readable: &Entitlements,
    ) -> Result<Option<(Meeting, Vec<pillar_label::Label>)>, StoreError> {
        let q = Labelled::filtered(
            self.backend(),
            Some(readable),
            "SELECT m.id, m.committee_id, m.title, m.held_on, m.place, m.attendees, l.canonical \
             FROM meetings m JOIN labels l ON l.id = m.label_id JOIN committees c ON c.id = m.committee_id \
             WHERE m.id = $1 AND {label:m.label_id} AND {label:c.label_id}",
        );
        let Some(r) = q
            .bind_rows(sqlx::query(q.sql()).bind(id))
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let date: String = r.get(3);
        let mut meeting = Meeting {
            id: r.get(0),
            committee: r.get(1),
            title: r.get(2),
            date: date.parse().map_err(corrupt)?,
            place: r.get(4),
            attendees: serde_json::from_str(&r.get::<String, _>(5)).map_err(corrupt)?,
            label: pillar_label::Label::from_json(&r.get::<String, _>(6)).map_err(corrupt)?,
            agenda: Vec::new(),
            decisions: Vec::new(),
            actions: Vec::new(),
        };
        let mut labels = vec![meeting.label.clone()];
        let q = Labelled::filtered(
            self.backend(),
            Some(readable),
            "SELECT i.kind, i.body, l.canonical FROM meeting_items i JOIN labels l ON l.id = i.label_id \
             WHERE i.meeting_id = $1 AND {label:i.label_id} ORDER BY i.seq",
        );
        let items = q
            .bind_rows(sqlx::query(q.sql()).bind(id))
            .fetch_all(&self.pool)
            .await?;
        for i in &items {
            let kind: String = i.get(0);
            let body: String = i.get(1);
            labels.push(pillar_label::Label::from_json(&i.get::<String, _>(2)).map_err(corrupt)?);
            match kind.as_str() {
                "agenda" => meeting
                    .agenda
                    .push(serde_json::from_str::<AgendaItem>(&body).map_err(corrupt)?),
                "decision" => meeting
                    .decisions
                    .push(serde_json::from_str::<Decision>(&body).map_err(corrupt)?),
                _ => meeting
                    .actions
                    .push(serde_json::from_str::<Action>(&body).map_err(corrupt)?),
            }
        }
        // Linked projects the reader may not open are not named.
        let open = self.readable_ids("projects", readable).await?;
        let shown = |p: &mut Option<String>| {
            if p.as_ref().is_some_and(|p| !open.contains(p)) {
                *p = None;
            }
        };
        meeting
            .agenda
            .iter_mut()
            .for_each(|a| shown(&mut a.project));
        meeting
            .decisions
            .iter_mut()
            .for_each(|d| shown(&mut d.project));
        // Nor people: attendees and action owners the reader may not see.
        let people = self.readable_ids("people", readable).await?;
        meeting.attendees.retain(|a| people.contains(a));
        for a in &mut meeting.actions {
            if !people.contains(&a.owner) {
                a.owner.clear();
            }
        }
        Ok(Some((meeting, labels)))
    }

    /// Open action items the reader may see (both the meeting and the item readable), by due
    /// date; only `owner`'s when given.
    pub(crate) async fn open_actions(
        &self,
        readable: &Entitlements,
        owner: Option<&str>,
    ) -> Result<Vec<OpenAction>, StoreError> {
        // Owners the reader may not see are not named, nor can they be asked for.
        let people = self.readable_ids("people", readable).await?;
        if owner.is_some_and(|o| !people.contains(o)) {
            return Ok(Vec::new());
        }
        let by = if owner.is_some() {
            " AND i.owner = $1"
        } else {
            ""
        };
        let labelled = Labelled::filtered(
            self.backend(),
            Some(readable),
            &format!(
                "SELECT m.id, m.title, i.body, l.canonical FROM meeting_items i \
                 JOIN meetings m ON m.id = i.meeting_id JOIN labels l ON l.id = i.label_id \
                 JOIN committees c ON c.id = m.committee_id \
                 WHERE i.kind = 'action' AND i.status = 'open' \
                 AND {{label:m.label_id}} AND {{label:i.label_id}} AND {{label:c.label_id}}{by} \
                 ORDER BY i.due, m.id, i.seq"
            ),
        );
        let mut q = sqlx::query(labelled.sql());
        if let Some(o) = owner {
            q = q.bind(o);
        }
        labelled
            .bind_rows(q)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let mut action: Action =
                    serde_json::from_str(&r.get::<String, _>(2)).map_err(corrupt)?;
                if !people.contains(&action.owner) {
                    action.owner.clear();
                }
                Ok(OpenAction {
                    meeting: r.get(0),
                    meeting_title: r.get(1),
                    action,
                    label: pillar_label::Label::from_json(&r.get::<String, _>(3))
                        .map_err(corrupt)?,
                })
            })
            .collect()
    }
}

/// What changing a meeting changes: its title, date, place and attendees (its label and items
/// stay).
#[derive(Debug, Clone)]
pub struct MeetingHeader {
    /// Title.
    pub title: String,
    /// Date.
    pub date: chrono::NaiveDate,
    /// Where.
    pub place: String,
    /// Attendees (person ids) the writer may see; those they may not see stay on the record.
    pub attendees: Vec<String>,
}

/// An item added to a meeting.
#[derive(Debug, Clone)]
pub enum MeetingItem {
    /// An agenda item.
    Agenda(AgendaItem),
    /// A decision.
    Decision(Decision),
    /// An action item (its id is given by the store: `a` and its position).
    Action(Action),
}

impl MeetingItem {
    /// `agenda`, `decision` or `action`.
    pub fn kind(&self) -> &'static str {
        match self {
            MeetingItem::Agenda(_) => "agenda",
            MeetingItem::Decision(_) => "decision",
            MeetingItem::Action(_) => "action",
        }
    }

    fn label(&self) -> Option<&pillar_label::Label> {
        match self {
            MeetingItem::Agenda(a) => a.label.as_ref(),
            MeetingItem::Decision(d) => d.label.as_ref(),
            MeetingItem::Action(a) => a.label.as_ref(),
        }
    }
}

/// The labels of `meetings` and of their items that carry their own, each with the field
/// that gives it (`meetings[0].actions[1].label`).
fn labels_of(meetings: &[Meeting]) -> Vec<(String, &pillar_label::Label)> {
    let mut labels = Vec::new();
    for (i, m) in meetings.iter().enumerate() {
        labels.push((format!("meetings[{i}].label"), &m.label));
        for (j, a) in m.agenda.iter().enumerate() {
            if let Some(l) = &a.label {
                labels.push((format!("meetings[{i}].agenda[{j}].label"), l));
            }
        }
        for (j, d) in m.decisions.iter().enumerate() {
            if let Some(l) = &d.label {
                labels.push((format!("meetings[{i}].decisions[{j}].label"), l));
            }
        }
        for (j, a) in m.actions.iter().enumerate() {
            if let Some(l) = &a.label {
                labels.push((format!("meetings[{i}].actions[{j}].label"), l));
            }
        }
    }
    labels
}

/// `m` without its items: what is checked when only its header, or one new item, is written.
fn without_items(m: &Meeting) -> Meeting {
    Meeting {
        agenda: Vec::new(),
        decisions: Vec::new(),
        actions: Vec::new(),
        ..m.clone()
    }
}

/// A text a form must fill in, else an error naming `field`.
fn required(text: &str, field: &str, reason: &str) -> Result<(), StoreError> {
    if text.trim().is_empty() {
        Err(StoreError::Input(InputError::new(
            "form",
            None,
            Some(field),
            reason,
        )))
    } else {
        Ok(())
    }
}

/// A check failure of a change made through the pages or the API, with the field named as the
/// form names it (`owner`, not `meetings[0].actions[0].owner`).
fn form_error(e: pillar_core::committee::CommitteeError) -> StoreError {
    let field = e
        .field
        .rsplit_once("].")
        .map_or(e.field.as_str(), |(_, f)| f)
        .to_string();
    StoreError::Input(InputError::new("form", None, Some(&field), e.reason))
}

impl Store {
    /// What a writer may link to: the people and projects they may read (naming a hidden one
    /// fails as a missing one does, so that nothing tells them it exists).
    async fn known_to(&self, readable: &Entitlements) -> Result<Known, StoreError> {
        Ok(Known {
            people: self.readable_ids("people", readable).await?,
            projects: self.readable_ids("projects", readable).await?,
        })
    }

    /// Checks a meeting written through the pages or the API as an import checks it, against
    /// the people and projects `readable` allows and the committees `committees`.
    async fn check_written(
        &self,
        m: Meeting,
        readable: &Entitlements,
        committees: &[String],
    ) -> Result<(), StoreError> {
        CommitteeFile {
            committees: Vec::new(),
            meetings: vec![m],
        }
        .check(&self.known_to(readable).await?, committees)
        .map_err(form_error)
    }

    /// Checks `label` resolves and is valid under its policy, naming `field`.
    async fn check_label(
        &self,
        label: &pillar_label::Label,
        source: &str,
        field: &str,
    ) -> Result<(), StoreError> {
        let set = self.policies().await?;
        if set
            .resolve(label)
            .map(|r| set.is_valid(&r))
            .unwrap_or(false)
        {
            Ok(())
        } else {
            Err(StoreError::Input(InputError::new(
                source,
                None,
                Some(field),
                "the label does not resolve or is not valid under its policy",
            )))
        }
    }

    /// Creates a meeting (with any items it holds): [`Store::create_meetings`] of one, with an
    /// error naming the field as the form names it (`owner`, not `meetings[0].actions[0].owner`).
    pub async fn create_meeting(
        &self,
        m: &Meeting,
        readable: &Entitlements,
        origin: &pillar_core::stewardship::Origin,
        audit: &crate::audit::Audited<'_>,
    ) -> Result<(), StoreError> {
        self.create_meetings("form", std::slice::from_ref(m), readable, origin, &[*audit])
            .await
            .map_err(|e| match e {
                StoreError::Input(i) => {
                    let field = i.field.as_deref().unwrap_or("");
                    let short = field.rsplit_once("].").map_or(field, |(_, f)| f);
                    StoreError::Input(InputError::new("form", None, Some(short), i.reason))
                }
                other => other,
            })
    }

    /// Creates meetings (with the items they hold) in committees `readable` allows, checked
    /// as an import is — against only the people and projects `readable` allows, so that
    /// naming a hidden one fails as a missing one does — and written in one transaction with
    /// `audits` (one entry per meeting, each under its meeting's label): all or nothing.
    /// Errors name `source` and the field (`meetings[2].actions[0].owner`). Actions without
    /// an id get one ([`Meeting::number_actions`]). Ids must be new (the pages and the API make
    /// them up; a clash is refused without saying whether the other meeting is readable).
    pub async fn create_meetings(
        &self,
        source: &str,
        meetings: &[Meeting],
        readable: &Entitlements,
        origin: &pillar_core::stewardship::Origin,
        audits: &[crate::audit::Audited<'_>],
    ) -> Result<(), StoreError> {
        assert_eq!(meetings.len(), audits.len(), "one audit entry per meeting");
        let mut meetings = meetings.to_vec();
        meetings.iter_mut().for_each(Meeting::number_actions);
        let committees: Vec<String> = self
            .committees(Some(readable))
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        let file = CommitteeFile {
            committees: Vec::new(),
            meetings,
        };
        file.check(&self.known_to(readable).await?, &committees)
            .map_err(|e| {
                StoreError::Input(InputError::new(source, None, Some(&e.field), e.reason))
            })?;
        let labels = labels_of(&file.meetings);
        for (field, label) in &labels {
            self.check_label(label, source, field).await?;
        }
        let mut tx = self.begin_write().await?;
        for m in &file.meetings {
            let taken = sqlx::query("SELECT 1 FROM meetings WHERE id = $1")
                .bind(&m.id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            if taken {
                return Err(StoreError::Refused(format!("the id `{}` is taken", m.id)));
            }
        }
        let (ids, _) = intern_labels(&mut tx, labels.iter().map(|(_, l)| *l)).await?;
        let mut last = None;
        for (m, audit) in file.meetings.iter().zip(audits) {
            insert_meeting(&mut tx, m, origin, &ids).await?;
            last = Some(
                self.append_audit(&mut tx, audit.at, audit.event, Some(&m.label))
                    .await?,
            );
        }
        match last {
            Some(appended) => {
                self.commit_audited(tx, appended).await?;
            }
            None => tx.commit().await?,
        }
        Ok(())
    }

    /// Changes a readable meeting's title, date, place and attendees (its label and items stay);
    /// `Ok(false)` when it is not readable. Checked as on creation; audited under its label.
    pub async fn edit_meeting(
        &self,
        id: &str,
        readable: &Entitlements,
        header: &MeetingHeader,
        audit: &crate::audit::Audited<'_>,
    ) -> Result<bool, StoreError> {
        let Some((mut m, _)) = self.meeting(id, readable).await? else {
            return Ok(false);
        };
        m.title = header.title.clone();
        m.date = header.date;
        m.place = header.place.clone();
        m.attendees = header.attendees.clone();
        // Only the header is checked: items keep what they had (some the writer cannot see).
        self.check_written(
            without_items(&m),
            readable,
            std::slice::from_ref(&m.committee),
        )
        .await?;
        required(&m.title, "title", "a title is needed")?;
        // Attendees the writer cannot see stay on the record (read in the write's transaction,
        // so that a concurrent change is not lost).
        let visible = self.readable_ids("people", readable).await?;
        let mut tx = self.begin_write().await?;
        let stored: Vec<String> =
            sqlx::query_scalar::<_, String>("SELECT attendees FROM meetings WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map(|a| serde_json::from_str(&a).map_err(corrupt))??;
        let mut all: Vec<String> = stored
            .into_iter()
            .filter(|a| !visible.contains(a))
            .collect();
        all.extend(m.attendees.iter().cloned());
        sqlx::query("UPDATE meetings SET title = $2, held_on = $3, place = $4, attendees = $5 WHERE id = $1")
            .bind(id)
            .bind(&m.title)
            .bind(m.date.to_string())
            .bind(&m.place)
            .bind(serde_json::to_string(&all).expect("ids serialise"))
            .execute(&mut *tx)
            .await?;
        let appended = self
            .append_audit(&mut tx, audit.at, audit.event, Some(&m.label))
            .await?;
        self.commit_audited(tx, appended).await?;
        Ok(true)
    }

    /// Adds an item to a readable meeting, after the items it holds (an action gets the id
    /// `a` + its position); `Ok(None)` when the meeting is not readable. The item's label (the
    /// meeting's when it gives none) labels the audit entry, written in the same transaction.
    /// Returns the item's position.
    pub async fn add_meeting_item(
        &self,
        meeting: &str,
        readable: &Entitlements,
        mut item: MeetingItem,
        audit: &crate::audit::Audited<'_>,
    ) -> Result<Option<i64>, StoreError> {
        let Some((m, _)) = self.meeting(meeting, readable).await? else {
            return Ok(None);
        };
        if let Some(l) = item.label() {
            self.check_label(l, "form", "label").await?;
        }
        // Checked (as a one-item meeting) before the write begins; only the action's id waits
        // for the position it gets.
        let mut checked = without_items(&m);
        match &item {
            MeetingItem::Agenda(a) => {
                required(&a.title, "title", "a title is needed")?;
                checked.agenda.push(a.clone())
            }
            MeetingItem::Decision(d) => {
                required(&d.text, "text", "say what was decided")?;
                checked.decisions.push(d.clone())
            }
            MeetingItem::Action(a) => {
                required(&a.text, "text", "say what is to be done")?;
                checked.actions.push(a.clone())
            }
        }
        self.check_written(checked, readable, std::slice::from_ref(&m.committee))
            .await?;
        let mut tx = self.begin_write().await?;
        let seq: i64 = sqlx::query_scalar::<_, i64>(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM meeting_items WHERE meeting_id = $1",
        )
        .bind(meeting)
        .fetch_one(&mut *tx)
        .await?;
        if let MeetingItem::Action(a) = &mut item {
            a.id = format!("a{seq}");
        }
        let label = item.label().unwrap_or(&m.label).clone();
        let (ids, _) = intern_labels(&mut tx, std::iter::once(&label)).await?;
        insert_item(&mut tx, meeting, seq, ids[&label], &item).await?;
        let appended = self
            .append_audit(&mut tx, audit.at, audit.event, Some(&label))
            .await?;
        self.commit_audited(tx, appended).await?;
        Ok(Some(seq))
    }

    /// Sets the status of an action item the reader may see (`open`, `done`, `dropped`);
    /// `Ok(false)` when the meeting or the action is not readable. Audited under the action's
    /// label, in the same transaction.
    pub async fn set_action_status(
        &self,
        meeting: &str,
        action: &str,
        readable: &Entitlements,
        status: &str,
        audit: &crate::audit::Audited<'_>,
    ) -> Result<bool, StoreError> {
        if !pillar_core::committee::ACTION_STATUSES.contains(&status) {
            return Err(StoreError::Input(InputError::new(
                "form",
                None,
                Some("status"),
                format!(
                    "`{status}` is not one of {}",
                    pillar_core::committee::ACTION_STATUSES.join(", ")
                ),
            )));
        }
        let Some(found) = self.action(meeting, action, readable).await? else {
            return Ok(false);
        };
        let (seq, mut a, label) = found;
        a.status = status.to_string();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE meeting_items SET body = $3, status = $4 WHERE meeting_id = $1 AND seq = $2",
        )
        .bind(meeting)
        .bind(seq)
        .bind(serde_json::to_string(&a).expect("items serialise"))
        .bind(status)
        .execute(&mut *tx)
        .await?;
        let appended = self
            .append_audit(&mut tx, audit.at, audit.event, Some(&label))
            .await?;
        self.commit_audited(tx, appended).await?;
        Ok(true)
    }

    /// A readable action of a readable meeting: its position, record and label.
    pub(crate) async fn action(
        &self,
        meeting: &str,
        action: &str,
        readable: &Entitlements,
    ) -> Result<Option<(i64, Action, pillar_label::Label)>, StoreError> {
        if self.meeting(meeting, readable).await?.is_none() {
            return Ok(None);
        }
        let q = Labelled::filtered(
            self.backend(),
            Some(readable),
            "SELECT i.seq, i.body, l.canonical FROM meeting_items i JOIN labels l ON l.id = i.label_id \
             WHERE i.meeting_id = $1 AND i.kind = 'action' AND {label:i.label_id} ORDER BY i.seq",
        );
        for r in q
            .bind_rows(sqlx::query(q.sql()).bind(meeting))
            .fetch_all(&self.pool)
            .await?
        {
            let a: Action = serde_json::from_str(&r.get::<String, _>(1)).map_err(corrupt)?;
            if a.id == action {
                let label =
                    pillar_label::Label::from_json(&r.get::<String, _>(2)).map_err(corrupt)?;
                return Ok(Some((r.get(0), a, label)));
            }
        }
        Ok(None)
    }
}

/// Writes a meeting and its items (numbered from 1), under the label ids `ids` holds.
async fn insert_meeting(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    m: &Meeting,
    origin: &pillar_core::stewardship::Origin,
    ids: &std::collections::HashMap<pillar_label::Label, i64>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO meetings (id, committee_id, title, held_on, place, attendees, label_id, \
         origin_org, origin_nation, committee_own) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&m.id)
    .bind(&m.committee)
    .bind(&m.title)
    .bind(m.date.to_string())
    .bind(&m.place)
    .bind(serde_json::to_string(&m.attendees).expect("ids serialise"))
    .bind(ids[&m.label])
    .bind(origin.organisation.as_deref())
    .bind(origin.nation.as_str())
    .bind(i64::from(origin.committee))
    .execute(&mut **tx)
    .await?;
    let items = m
        .agenda
        .iter()
        .cloned()
        .map(MeetingItem::Agenda)
        .chain(m.decisions.iter().cloned().map(MeetingItem::Decision))
        .chain(m.actions.iter().cloned().map(MeetingItem::Action));
    for (seq, item) in (1i64..).zip(items) {
        let label = ids[item.label().unwrap_or(&m.label)];
        insert_item(tx, &m.id, seq, label, &item).await?;
    }
    Ok(())
}

/// Writes one item of a meeting at `seq`.
async fn insert_item(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    meeting: &str,
    seq: i64,
    label_id: i64,
    item: &MeetingItem,
) -> Result<(), StoreError> {
    let (body, action) = match item {
        MeetingItem::Agenda(a) => (serde_json::to_string(a), None),
        MeetingItem::Decision(d) => (serde_json::to_string(d), None),
        MeetingItem::Action(a) => (serde_json::to_string(a), Some(a)),
    };
    sqlx::query(
        "INSERT INTO meeting_items (meeting_id, seq, kind, label_id, body, owner, due, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(meeting)
    .bind(seq)
    .bind(item.kind())
    .bind(label_id)
    .bind(body.expect("items serialise"))
    .bind(action.map(|a| a.owner.clone()))
    .bind(action.map(|a| a.due.to_string()))
    .bind(action.map(|a| a.status.clone()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
