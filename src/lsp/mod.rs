//! `hps lsp`: a language server over stdio (JSON-RPC, `lsp-server`). Documents are synchronised
//! in full; each change is checked by the same passes as `hps check` ([`analysis`]) and its
//! diagnostics published ([`diagnostics`]). Requests: hover ([`hover`]), completion
//! ([`completion`]), go to definition and document symbols ([`navigation`]), and formatting
//! through [`crate::format::format_source`] (`hps fmt`). A handler that panics answers with an
//! internal error instead of taking the server down, and a malformed frame is answered with a
//! JSON-RPC error by the [`transport`], which reads the frames itself.

mod analysis;
mod completion;
mod diagnostics;
mod docs;
mod document;
mod hover;
mod navigation;
mod transport;

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest, Request as _,
};
use lsp_types::{
    CompletionOptions, CompletionParams, CompletionResponse, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DocumentFormattingParams,
    DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams, GotoDefinitionResponse,
    HoverParams, HoverProviderCapability, InitializeResult, OneOf, PublishDiagnosticsParams,
    ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit,
    Url,
};
use serde_json::Value;

use analysis::Analysis;
use document::Documents;

use crate::source::LineIndex;
use crate::syntax::ParseCache;

/// Serves one editor session on stdin/stdout until it shuts down.
///
/// # Errors
/// When the connection breaks or the client does not initialise.
pub fn serve_stdio() -> Result<(), String> {
    let (connection, writer) = transport::stdio();
    let (id, _params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "hps".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    };
    let result = serde_json::to_value(result).map_err(|e| e.to_string())?;
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let served = Server::default().run(&connection);
    drop(connection);
    // Everything sent is written before the server ends.
    writer
        .join()
        .map_err(|_| String::from("the writer thread failed"))?;
    served
}

/// What the server can do.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions::default()),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// The open documents, their latest analyses, and the chunks each parsed (so an edit re-parses
/// only the item it touched).
#[derive(Default)]
struct Server {
    documents: Documents,
    analyses: HashMap<Url, Analysis>,
    caches: HashMap<Url, ParseCache>,
}

impl Server {
    fn run(&mut self, connection: &Connection) -> Result<(), String> {
        for message in &connection.receiver {
            match message {
                Message::Request(request) => {
                    if connection
                        .handle_shutdown(&request)
                        .map_err(|e| e.to_string())?
                    {
                        return Ok(());
                    }
                    let id = request.id.clone();
                    let response = match catch_unwind(AssertUnwindSafe(|| self.answer(request))) {
                        Ok(response) => response,
                        Err(_) => Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            "hps lsp: the request failed (a bug: please report it)".to_owned(),
                        ),
                    };
                    send(connection, Message::Response(response))?;
                }
                Message::Notification(notification) => {
                    let published = catch_unwind(AssertUnwindSafe(|| self.notice(notification)))
                        .ok()
                        .flatten();
                    if let Some(params) = published {
                        let note = Notification::new(PublishDiagnostics::METHOD.to_owned(), params);
                        send(connection, Message::Notification(note))?;
                    }
                }
                Message::Response(_) => {}
            }
        }
        Ok(())
    }

    /// Handles a notification; returns diagnostics to publish.
    fn notice(&mut self, notification: Notification) -> Option<PublishDiagnosticsParams> {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let p: DidOpenTextDocumentParams =
                    serde_json::from_value(notification.params).ok()?;
                let doc = p.text_document;
                Some(self.update(doc.uri, doc.text, Some(doc.version)))
            }
            DidChangeTextDocument::METHOD => {
                let p: DidChangeTextDocumentParams =
                    serde_json::from_value(notification.params).ok()?;
                let text = p.content_changes.into_iter().last()?.text;
                Some(self.update(p.text_document.uri, text, Some(p.text_document.version)))
            }
            DidCloseTextDocument::METHOD => {
                let p: DidCloseTextDocumentParams =
                    serde_json::from_value(notification.params).ok()?;
                self.documents.close(&p.text_document.uri);
                self.analyses.remove(&p.text_document.uri);
                self.caches.remove(&p.text_document.uri);
                Some(PublishDiagnosticsParams::new(
                    p.text_document.uri,
                    Vec::new(),
                    None,
                ))
            }
            _ => None,
        }
    }

    /// Records a document's new text and checks it.
    fn update(&mut self, uri: Url, text: String, version: Option<i32>) -> PublishDiagnosticsParams {
        let cache = self.caches.remove(&uri).unwrap_or_default();
        let (analysis, cache) = Analysis::of(&uri, &text, cache);
        self.caches.insert(uri.clone(), cache);
        let diagnostics = diagnostics::of(&analysis, &uri);
        self.documents.set(uri.clone(), text);
        self.analyses.insert(uri.clone(), analysis);
        PublishDiagnosticsParams::new(uri, diagnostics, version)
    }

    /// The response to a request.
    fn answer(&self, request: Request) -> Response {
        let id = request.id.clone();
        match self.result(request) {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        }
    }

    fn result(&self, request: Request) -> Result<Value, (ErrorCode, String)> {
        let params = request.params;
        let invalid = |e: serde_json::Error| (ErrorCode::InvalidParams, e.to_string());
        let json = |v: Option<Value>| Ok(v.unwrap_or(Value::Null));
        match request.method.as_str() {
            HoverRequest::METHOD => {
                let p: HoverParams = serde_json::from_value(params).map_err(invalid)?;
                let at = p.text_document_position_params;
                json(
                    self.at(&at.text_document.uri, at.position)
                        .and_then(|(a, offset)| serde_json::to_value(hover::at(a, offset)?).ok()),
                )
            }
            Completion::METHOD => {
                let p: CompletionParams = serde_json::from_value(params).map_err(invalid)?;
                let a = self
                    .analyses
                    .get(&p.text_document_position.text_document.uri);
                json(a.and_then(|a| {
                    serde_json::to_value(CompletionResponse::Array(completion::items(a))).ok()
                }))
            }
            GotoDefinition::METHOD => {
                let p: GotoDefinitionParams = serde_json::from_value(params).map_err(invalid)?;
                let at = p.text_document_position_params;
                let uri = at.text_document.uri;
                json(self.at(&uri, at.position).and_then(|(a, offset)| {
                    let found = navigation::definition(a, &uri, offset)?;
                    serde_json::to_value(GotoDefinitionResponse::Scalar(found)).ok()
                }))
            }
            DocumentSymbolRequest::METHOD => {
                let p: DocumentSymbolParams = serde_json::from_value(params).map_err(invalid)?;
                json(self.analyses.get(&p.text_document.uri).and_then(|a| {
                    serde_json::to_value(DocumentSymbolResponse::Nested(navigation::symbols(a)))
                        .ok()
                }))
            }
            Formatting::METHOD => {
                let p: DocumentFormattingParams =
                    serde_json::from_value(params).map_err(invalid)?;
                json(self.documents.get(&p.text_document.uri).and_then(|text| {
                    let formatted = crate::format::format_source(text).ok()?;
                    let edits: Vec<TextEdit> = if formatted == text {
                        Vec::new()
                    } else {
                        vec![TextEdit::new(
                            document::range(text, &LineIndex::new(text), 0, text.len()),
                            formatted,
                        )]
                    };
                    serde_json::to_value(edits).ok()
                }))
            }
            other => Err((
                ErrorCode::MethodNotFound,
                format!("hps lsp does not handle `{other}`"),
            )),
        }
    }

    /// The analysis of an open document and the byte offset of a position in it.
    fn at(&self, uri: &Url, position: lsp_types::Position) -> Option<(&Analysis, usize)> {
        let analysis = self.analyses.get(uri)?;
        Some((analysis, analysis.offset(position)))
    }
}

fn send(connection: &Connection, message: Message) -> Result<(), String> {
    connection
        .sender
        .send(message)
        .map_err(|e| format!("the editor closed the connection: {e}"))
}
