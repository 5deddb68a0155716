//! The argv template of `command("python train.py --lr {lr}")`, parsed once: arguments made of
//! literal text and `{name}` placeholders ([`CommandTemplate`]). The checker reads its placeholders
//! (each must name a parameter), the plan carries it (serialised as the text the user wrote), and
//! the command trainer (`crate::trial::command`) fills it for each trial, so `hps check` and
//! `hps run` agree on what a template is.

use serde::{Deserialize, Serialize};

/// Placeholders every command may use besides parameters (a parameter of the same name wins).
pub const TEMPLATE_BUILTINS: &[&str] = &["epochs", "trial", "seed", "dir"];

/// A parsed argv template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CommandTemplate {
    text: String,
    arguments: Vec<ArgumentTemplate>,
}

/// One argument of the template: literal text and placeholders, concatenated.
pub type ArgumentTemplate = Vec<Piece>;

/// A run of literal text or a `{name}` placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// `{name}`: a parameter's value (or one of [`TEMPLATE_BUILTINS`]).
    Placeholder(String),
}

impl CommandTemplate {
    /// Splits `template` into arguments: whitespace separates them, double quotes group (`"a b"`
    /// is one argument), `{name}` is a placeholder.
    ///
    /// # Errors
    /// When the template is not well formed (an unclosed `{` or `"`, an empty `{}`, no program).
    pub fn parse(template: &str) -> Result<Self, String> {
        Ok(Self {
            text: template.to_owned(),
            arguments: parse_arguments(template)?,
        })
    }

    /// The template as written.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The arguments, the first being the program.
    #[must_use]
    pub fn arguments(&self) -> &[ArgumentTemplate] {
        &self.arguments
    }

    /// The placeholder names, in order.
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.arguments
            .iter()
            .flatten()
            .filter_map(|piece| match piece {
                Piece::Placeholder(name) => Some(name.as_str()),
                Piece::Text(_) => None,
            })
    }
}

impl TryFrom<String> for CommandTemplate {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<CommandTemplate> for String {
    fn from(template: CommandTemplate) -> String {
        template.text
    }
}

fn parse_arguments(template: &str) -> Result<Vec<ArgumentTemplate>, String> {
    let mut arguments = Vec::new();
    // `Some` once the current argument has begun (`""` is an empty argument).
    let mut current: Option<ArgumentTemplate> = None;
    let mut text = String::new();
    let mut quoted = false;
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                current.get_or_insert_with(Vec::new);
            }
            c if c.is_whitespace() && !quoted => {
                if let Some(mut pieces) = current.take() {
                    push_text(&mut pieces, &mut text);
                    arguments.push(pieces);
                }
            }
            '{' => {
                let pieces = current.get_or_insert_with(Vec::new);
                push_text(pieces, &mut text);
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => {
                            return Err(String::from(
                                "a `{` in the command is not closed; placeholders look like `{lr}`",
                            ));
                        }
                    }
                }
                let name = name.trim();
                if name.is_empty() {
                    return Err(String::from(
                        "the command has an empty placeholder `{}`; name a parameter: `{lr}`",
                    ));
                }
                pieces.push(Piece::Placeholder(name.to_owned()));
            }
            c => {
                current.get_or_insert_with(Vec::new);
                text.push(c);
            }
        }
    }
    if quoted {
        return Err(String::from("a `\"` in the command is not closed"));
    }
    if let Some(mut pieces) = current {
        push_text(&mut pieces, &mut text);
        arguments.push(pieces);
    }
    if arguments.is_empty() {
        return Err(String::from("the command is empty"));
    }
    Ok(arguments)
}

/// Moves pending literal text into `pieces`.
fn push_text(pieces: &mut ArgumentTemplate, text: &mut String) {
    if !text.is_empty() {
        pieces.push(Piece::Text(std::mem::take(text)));
    }
}

#[cfg(test)]
mod tests {
    use super::{CommandTemplate, Piece};

    fn arguments(text: &str) -> Result<Vec<Vec<Piece>>, String> {
        CommandTemplate::parse(text).map(|t| t.arguments().to_vec())
    }

    #[test]
    fn templates_split_on_whitespace_with_quotes_grouping() {
        assert_eq!(
            arguments(r#"  python "my script.py"  --lr={lr} "" "#).unwrap(),
            vec![
                vec![Piece::Text("python".to_owned())],
                vec![Piece::Text("my script.py".to_owned())],
                vec![
                    Piece::Text("--lr=".to_owned()),
                    Piece::Placeholder("lr".to_owned())
                ],
                vec![],
            ]
        );
        assert!(
            arguments("python \"train.py")
                .unwrap_err()
                .contains("not closed")
        );
        assert!(arguments("python {lr").unwrap_err().contains("not closed"));
        assert!(
            arguments("python {}")
                .unwrap_err()
                .contains("empty placeholder")
        );
        assert!(arguments("   ").unwrap_err().contains("empty"));
    }

    #[test]
    fn a_template_serialises_as_its_text_and_reads_back() {
        let template = CommandTemplate::parse("python train.py --lr {lr} {epochs}").unwrap();
        assert_eq!(
            template.placeholders().collect::<Vec<_>>(),
            ["lr", "epochs"]
        );
        let json = serde_json::to_string(&template).unwrap();
        assert_eq!(json, "\"python train.py --lr {lr} {epochs}\"");
        let back: CommandTemplate = serde_json::from_str(&json).unwrap();
        assert_eq!(back, template);
        assert!(serde_json::from_str::<CommandTemplate>("\"python {x\"").is_err());
    }
}
