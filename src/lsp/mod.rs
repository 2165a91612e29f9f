//! `sunlight lsp`: the language server over standard input and output.
//!
//! A thin shell: [`state::State`] answers every request from the core's
//! results, [`convert`] turns them into protocol values, and `server`
//! wires both to tower-lsp.

pub mod convert;
mod server;
pub mod state;

/// Serve the protocol on stdin/stdout until the client exits.
pub fn serve_stdio() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (service, socket) = tower_lsp::LspService::new(server::Backend::new);
        tower_lsp::Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    Ok(())
}
