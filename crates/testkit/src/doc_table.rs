//! Markdown tables of the project's docs, read back so tests can hold the docs to the code.
//!
//! ```
//! use signing_testkit::doc_table::table_after;
//!
//! let doc = "# Title\n\n### Faults\n\nText.\n\n| operation | outcome |\n|---|---|\n| get | recovered |\n";
//! let rows = table_after(doc, Some("### Faults")).unwrap();
//! assert_eq!(rows[0]["operation"], "get");
//! assert_eq!(rows[0]["outcome"], "recovered");
//! ```

use std::collections::BTreeMap;
use std::path::Path;

/// One row of a table: cell text by column header.
pub type Row = BTreeMap<String, String>;

/// The rows of the first table after the line `heading` (the first table of the document when
/// `None`), or `None` when there is no such table. Cells are trimmed; the separator row is
/// skipped.
pub fn table_after(markdown: &str, heading: Option<&str>) -> Option<Vec<Row>> {
    let mut lines = markdown.lines();
    if let Some(heading) = heading {
        lines.find(|line| line.trim() == heading)?;
    }
    let mut lines = lines
        .skip_while(|line| !line.trim_start().starts_with('|'))
        .take_while(|line| line.trim_start().starts_with('|'))
        .map(cells);
    let header = lines.next()?;
    Some(
        lines
            .filter(|cells| !cells.first().is_some_and(|c| c.starts_with("---")))
            .map(|cells| header.iter().cloned().zip(cells).collect())
            .collect(),
    )
}

/// The text of a document of the workspace, by its path from the workspace root.
///
/// # Panics
///
/// If the file cannot be read: a test relying on a doc fails loudly without it.
pub fn read_doc(workspace_root: &Path, relative: &str) -> String {
    let path = workspace_root.join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(|cell| cell.trim().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_table_under_its_heading() {
        let doc = "| a | b |\n|---|---|\n| 1 | 2 |\n\n## Next\n\n| x |\n|---|\n| y |\n| z |\n";
        let first = table_after(doc, None).unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0]["b"], "2");
        let next = table_after(doc, Some("## Next")).unwrap();
        assert_eq!(
            next.iter().map(|r| r["x"].as_str()).collect::<Vec<_>>(),
            ["y", "z"]
        );
        assert!(table_after(doc, Some("## Missing")).is_none());
    }
}
