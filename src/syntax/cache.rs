//! The language server's memory of parsed chunks: an item's chunk whose text has not changed since
//! the last parse is not parsed again, only moved to its new place ([`super::relocate`]). An edit
//! re-parses the item it touched, not the document. Used through [`crate::semantic::Loader`] by
//! the language server (`crate::lsp`); `hps check` parses every chunk once and keeps nothing.
//!
//! Only chunks that parsed are kept: a syntax error's message and hint read the text after its
//! chunk (what follows an unclosed `{`, or the end of the file), so a chunk with an error is parsed
//! again every time, as `hps check` would.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::syntax::FileId;
use crate::syntax::ast::{File, Item};
use crate::syntax::outline::Chunk;
use crate::syntax::parser::{parse_chunk, parse_with};
use crate::syntax::relocate::Move;

/// Parsed chunks by their text.
#[derive(Debug, Default)]
pub struct ParseCache {
    chunks: HashMap<String, Parsed>,
    /// Counts the loads; a chunk not used by the latest one is forgotten by [`ParseCache::sweep`].
    generation: u64,
    /// Chunks given to pest since the last sweep.
    parsed: usize,
}

/// What one chunk parsed to, and where it was.
#[derive(Debug)]
struct Parsed {
    items: Vec<Item>,
    start: usize,
    last_used: u64,
}

impl ParseCache {
    /// Parses `text` as [`crate::syntax::parse`] does, reusing the chunks parsed before.
    pub fn parse(&mut self, file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
        parse_with(file, text, |chunk| self.chunk(file, text, chunk))
    }

    fn chunk(&mut self, file: FileId, text: &str, chunk: &Chunk) -> Result<Vec<Item>, Diagnostic> {
        let key = &text[chunk.start..chunk.end];
        let generation = self.generation;
        let Some(parsed) = self.chunks.get_mut(key) else {
            self.parsed += 1;
            let items = parse_chunk(file, text, chunk)?;
            let parsed = Parsed {
                items: items.clone(),
                start: chunk.start,
                last_used: generation,
            };
            self.chunks.insert(key.to_owned(), parsed);
            return Ok(items);
        };
        parsed.last_used = generation;
        let to = Move {
            file,
            from: parsed.start,
            to: chunk.start,
        };
        let mut items = parsed.items.clone();
        items.iter_mut().for_each(|item| to.item(item));
        Ok(items)
    }

    /// How many chunks were parsed (not reused) since the last [`ParseCache::sweep`].
    #[must_use]
    pub fn parsed(&self) -> usize {
        self.parsed
    }

    /// Ends a load: forgets the chunks it did not use (the text they held is gone).
    pub fn sweep(&mut self) {
        let generation = self.generation;
        self.chunks
            .retain(|_, parsed| parsed.last_used == generation);
        self.generation += 1;
        self.parsed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    /// Every example and standard-library file, one after the other.
    fn all_examples() -> String {
        let mut texts: Vec<String> = std::fs::read_dir("examples")
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "hps"))
            .map(|path| std::fs::read_to_string(path).unwrap())
            .collect();
        texts.sort();
        texts.extend(
            crate::stdlib::FILES
                .iter()
                .map(|(_, text)| (*text).to_owned()),
        );
        texts.concat()
    }

    #[test]
    fn a_reused_chunk_is_what_parsing_it_in_place_gives() {
        let all = all_examples();
        let mut cache = ParseCache::default();
        let (first, _) = cache.parse(FileId(1), &all);
        let chunks = cache.parsed();
        assert!(chunks > 20 && first.items.len() >= chunks, "{chunks}");
        cache.sweep();
        // The same chunks, moved: every item after an edit at the start, and in another file. Only
        // the new chunk, which has a syntax error, is parsed.
        let edited = format!("space edit {{\n  x = @\n}}\n{all}");
        assert_eq!(cache.parse(FileId(2), &edited), parse(FileId(2), &edited));
        assert_eq!(cache.parsed(), 1);
        assert_eq!(cache.parse(FileId(2), &all), parse(FileId(2), &all));
        assert_eq!(cache.parsed(), 1);
        cache.sweep();
        cache.parse(FileId(0), "space z {\n}\n");
        cache.sweep();
        assert_eq!(cache.chunks.len(), 1);
    }

    #[test]
    fn an_edit_parses_the_item_it_touched() {
        let text: String = (0..200)
            .map(|i| format!("/// Space {i}.\nspace s{i} {{\n  x = uniform(0, {i})\n}}\n\n"))
            .collect();
        let mut cache = ParseCache::default();
        cache.parse(FileId(0), &text);
        assert_eq!(cache.parsed(), 200);
        cache.sweep();
        // A longer line in item 100 moves every item after it.
        let edited = text.replace("uniform(0, 100)", "uniform(0, 100) + 1000");
        let (file, errors) = cache.parse(FileId(0), &edited);
        assert_eq!(cache.parsed(), 1);
        assert_eq!((file, errors), parse(FileId(0), &edited));
    }

    #[test]
    fn a_chunk_with_a_syntax_error_reads_what_follows_it() {
        let open = "space a {\n  x = 1\n";
        let mut cache = ParseCache::default();
        // Followed by the end of the file, then by another item: the message says which.
        for text in [
            open.to_owned(),
            format!("{open}space b {{\n}}\n"),
            open.to_owned(),
        ] {
            assert_eq!(cache.parse(FileId(0), &text), parse(FileId(0), &text));
            cache.sweep();
        }
    }
}
