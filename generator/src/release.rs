//! A generated crate's version and CHANGELOG.md, kept in step with its description.
//!
//! The CHANGELOG is the crate's release record and the source of its version: the newest
//! `## X.Y.Z` heading is the version `Cargo.toml` gets. An entry whose heading ends in
//! ` (unreleased)` collects the changes made since the last release; a maintainer removes the
//! marker when publishing. Generation reads the CHANGELOG as an input, like the spec, and writes
//! it back unchanged, so generating stays a pure function of its inputs.
//!
//! On regeneration the front end compares the new description with the copy the crate carries
//! (`openapi.yaml`, the description its code was made from) through [`crate::diff`], and
//! [`record`] turns the changes into the CHANGELOG's next state: a new unreleased entry with the
//! bumped version, or the changes added to the unreleased entry already there (its version
//! recomputed from the last release, so two breaking edits before a release bump once).

use crate::diff::{self, Class, Report};

/// What marks an entry not yet published.
pub const UNRELEASED: &str = " (unreleased)";

/// The file name of the release record inside a generated crate.
pub const CHANGELOG_FILE: &str = "CHANGELOG.md";

/// The name of the description's copy inside a crate generated with `settings` (`openapi.yaml`
/// or `openapi.json`): the description the crate's code was made from, which the next
/// regeneration compares the spec with.
pub fn spec_copy_name(settings: &crate::Settings) -> &'static str {
    crate::emit::package::spec_file_name(settings)
}

/// One `## VERSION` entry of a CHANGELOG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its version.
    pub version: String,
    /// Whether its heading carries [`UNRELEASED`].
    pub unreleased: bool,
    /// Its lines under `### Breaking`, `### Added` and `### Fixed`, with their class.
    pub changes: Vec<(Class, String)>,
    /// Byte range of the entry in the text (heading to the next entry).
    range: std::ops::Range<usize>,
}

impl Entry {
    /// The most severe class its lines record.
    pub fn class(&self) -> Option<Class> {
        self.changes.iter().map(|(c, _)| *c).max()
    }
}

/// The entries of a CHANGELOG, newest first. Headings that are not `## X.Y.Z` (optionally with
/// a suffix) are not entries.
pub fn entries(text: &str) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut class = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim_end();
        if let Some(heading) = trimmed.strip_prefix("## ") {
            let version = heading.split_whitespace().next().unwrap_or("");
            if diff::parse_version(version).is_ok() {
                if let Some(last) = out.last_mut() {
                    last.range.end = start;
                }
                out.push(Entry {
                    version: version.to_string(),
                    unreleased: heading.ends_with(UNRELEASED.trim_start()),
                    changes: Vec::new(),
                    range: start..text.len(),
                });
                class = None;
                continue;
            }
        }
        if let Some(section) = trimmed.strip_prefix("### ") {
            class = match section.trim() {
                "Breaking" => Some(Class::Breaking),
                "Added" => Some(Class::Additive),
                "Fixed" => Some(Class::Patch),
                _ => None,
            };
            continue;
        }
        if let (Some(entry), Some(class), Some(item)) =
            (out.last_mut(), class, trimmed.strip_prefix("- "))
        {
            entry.changes.push((class, item.to_string()));
        }
    }
    out
}

/// The version the newest entry names.
pub fn version(text: &str) -> Option<String> {
    entries(text).into_iter().next().map(|e| e.version)
}

/// A new CHANGELOG whose one entry is `version`, the first generated from `spec_label`.
pub fn initial(crate_name: &str, spec_label: &str, version: &str) -> String {
    format!(
        "# Changelog\n\n\
         All notable changes to `{crate_name}`, generated from {spec_label}. Entries are\n\
         proposed by `clientgen generate` from the changes to the description, classified by what\n\
         they do to code using the crate; an entry marked `{marker}` is not yet published.\n\n\
         ## {version}\n\nFirst version.\n",
        marker = UNRELEASED.trim_start()
    )
}

/// The CHANGELOG after recording `report`, and its version. With nothing to record the text is
/// returned as it is. Refuses a CHANGELOG whose newest version does not parse.
pub fn record(changelog: &str, report: &Report) -> Result<(String, String), String> {
    let all = entries(changelog);
    let Some(top) = all.first() else {
        return Err("CHANGELOG.md has no `## X.Y.Z` entry to take the version from".into());
    };
    diff::parse_version(&top.version)?;
    if report.changes.is_empty() {
        return Ok((changelog.to_string(), top.version.clone()));
    }
    let (base, mut lines, range) = if top.unreleased {
        // The unreleased entry is rebuilt from the last release, with its lines and the new.
        let base = all
            .get(1)
            .map_or("0.0.0", |e| e.version.as_str())
            .to_string();
        (base, top.changes.clone(), top.range.clone())
    } else {
        (
            top.version.clone(),
            Vec::new(),
            top.range.start..top.range.start,
        )
    };
    for change in &report.changes {
        let line = (change.class, change.message.clone());
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    let class = lines.iter().map(|(c, _)| *c).max();
    let mut next = diff::bump(&base, class)?;
    if top.unreleased && diff::parse_version(&top.version)? > diff::parse_version(&next)? {
        // A version set by hand above what the changes need is kept.
        next = top.version.clone();
    }
    let merged = Report {
        changes: lines
            .into_iter()
            .map(|(class, message)| diff::Change {
                class,
                kind: "",
                item: String::new(),
                message,
            })
            .collect(),
    };
    let mut section = merged.changelog_section(&next, UNRELEASED);
    section.push('\n');
    let mut text = changelog.to_string();
    text.replace_range(range, &section);
    Ok((text, next))
}

/// Checks that the newest entry's version is a big enough bump over the release before it for
/// the changes it lists; the error names the changes and the version they need.
pub fn check(changelog: &str) -> Result<(), String> {
    let all = entries(changelog);
    let (Some(top), Some(previous)) = (all.first(), all.get(1)) else {
        return Ok(());
    };
    let class = top.class();
    if diff::covers(&previous.version, &top.version, class)? {
        return Ok(());
    }
    let needed = diff::bump(&previous.version, class)?;
    let listed: Vec<&str> = top
        .changes
        .iter()
        .filter(|(c, _)| Some(*c) == class)
        .map(|(_, line)| line.as_str())
        .collect();
    Err(format!(
        "version {} lists {} change(s) since {} but needs at least {needed}: {}",
        top.version,
        class.map_or("no", Class::as_str),
        previous.version,
        listed.join(" ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Change;

    fn report(class: Class, message: &str) -> Report {
        Report {
            changes: vec![Change {
                class,
                kind: "k",
                item: "i".into(),
                message: message.into(),
            }],
        }
    }

    #[test]
    fn a_released_entry_gets_a_new_unreleased_one_above_it() {
        let text = initial("x-client", "spec/x.yaml", "0.1.0");
        let (text, version) = record(&text, &report(Class::Breaking, "Gone.")).unwrap();
        assert_eq!(version, "0.2.0");
        assert!(
            text.contains("## 0.2.0 (unreleased)\n\n### Breaking\n\n- Gone.\n\n## 0.1.0\n"),
            "{text}"
        );
        assert_eq!(super::version(&text).as_deref(), Some("0.2.0"));
        check(&text).unwrap();
    }

    #[test]
    fn changes_before_a_release_join_the_unreleased_entry_and_bump_once() {
        let text = initial("x-client", "spec/x.yaml", "0.1.0");
        let (text, v1) = record(&text, &report(Class::Additive, "New op.")).unwrap();
        assert_eq!(v1, "0.1.1");
        let (text, v2) = record(&text, &report(Class::Breaking, "Removed op.")).unwrap();
        assert_eq!(v2, "0.2.0");
        let (text, v3) = record(&text, &report(Class::Breaking, "Another.")).unwrap();
        assert_eq!(v3, "0.2.0");
        assert_eq!(entries(&text).len(), 2);
        assert_eq!(entries(&text)[0].changes.len(), 3);
        let (same, v4) = record(&text, &Report::default()).unwrap();
        assert_eq!((same.as_str(), v4.as_str()), (text.as_str(), "0.2.0"));
    }

    #[test]
    fn check_names_a_breaking_change_without_its_bump() {
        let text = "## 0.1.1 (unreleased)\n\n### Breaking\n\n- `Client::a` removed.\n\n## 0.1.0\n";
        let error = check(text).unwrap_err();
        assert!(error.contains("needs at least 0.2.0"), "{error}");
        assert!(error.contains("`Client::a` removed."), "{error}");
        assert!(check("## 0.2.0\n\n### Breaking\n\n- x\n\n## 0.1.0\n").is_ok());
    }
}
