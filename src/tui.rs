//! The terminal: raw mode and alternate screen held by a guard that restores
//! the terminal exactly once (drop, panic hook or signal), a reader thread
//! for input, and synchronized-update frames.

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use ratatui::crossterm::terminal::{
    BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute, queue};
use std::io::{self, Stdout, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Once, mpsc as std_mpsc};
use std::time::Duration;
use tokio::sync::mpsc;

/// True while the terminal is in raw mode / alternate screen because of us.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();
/// Mouse capture requested (`ui.mouse`), re-enabled after `resume`.
static MOUSE: AtomicBool = AtomicBool::new(false);

/// The terminal type the app draws on.
pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Holds the terminal in TUI mode; dropping it restores the terminal.
pub struct TerminalGuard {
    /// The ratatui terminal.
    pub terminal: Term,
}

impl TerminalGuard {
    /// Enter raw mode and the alternate screen (with mouse capture when `mouse`), and install the panic hook.
    pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        MOUSE.store(mouse, Ordering::SeqCst);
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
            }));
        });
        activate()?;
        let terminal = match Terminal::new(CrosstermBackend::new(io::stdout())) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(TerminalGuard { terminal })
    }

    /// Leave TUI mode temporarily (to run $EDITOR).
    pub fn suspend(&mut self) {
        restore();
    }

    /// Come back after `suspend`; the next frame is a full redraw.
    pub fn resume(&mut self) -> io::Result<()> {
        activate()?;
        // Not `Terminal::clear`: it asks the terminal for the cursor position,
        // which some terminals (and slow SSH links) never answer in time.
        execute!(io::stdout(), Clear(ClearType::All))?;
        // Two swaps leave both buffers empty, so the next frame redraws everything.
        self.terminal.swap_buffers();
        self.terminal.swap_buffers();
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn activate() -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    // Terminals without the kitty keyboard protocol ignore the push; those with it
    // report Ctrl+Enter distinctly.
    execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES),
        cursor::Hide
    )?;
    if MOUSE.load(Ordering::SeqCst) {
        execute!(out, EnableMouseCapture)?;
    }
    Ok(())
}

/// Put the terminal back the way we found it. Safe to call any number of
/// times from any thread; only the first call after `enter` does anything.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = execute!(
            out,
            DisableMouseCapture,
            PopKeyboardEnhancementFlags,
            DisableBracketedPaste,
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = disable_raw_mode();
        let _ = out.flush();
    }
}

/// Draw one frame inside synchronized-update brackets so SSH users never see half a frame.
pub fn draw_synced(term: &mut Term, f: impl FnOnce(&mut ratatui::Frame)) -> io::Result<()> {
    queue!(term.backend_mut(), BeginSynchronizedUpdate)?;
    let res = term.draw(f).map(|_| ());
    queue!(term.backend_mut(), EndSynchronizedUpdate)?;
    term.backend_mut().flush()?;
    res
}

/// Write raw bytes (OSC 52) to the terminal between frames.
pub fn write_raw(term: &mut Term, s: &str) -> io::Result<()> {
    let b = term.backend_mut();
    b.write_all(s.as_bytes())?;
    b.flush()
}

/// The input reader thread. Dropping it stops the thread.
pub struct Input {
    /// Terminal events.
    pub rx: mpsc::UnboundedReceiver<Event>,
    paused: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    idle: std_mpsc::Receiver<()>,
}

impl Input {
    /// Start reading terminal events on a thread.
    pub fn spawn() -> Input {
        let (tx, rx) = mpsc::unbounded_channel();
        let paused = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (idle_tx, idle) = std_mpsc::channel();
        let (p, s) = (paused.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if p.load(Ordering::Relaxed) {
                    let _ = idle_tx.send(());
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                match event::poll(Duration::from_millis(50)) {
                    Ok(true) => match event::read() {
                        Ok(ev) => {
                            if tx.send(ev).is_err() {
                                break;
                            }
                        }
                        Err(_) => break,
                    },
                    Ok(false) => {}
                    Err(_) => break,
                }
            }
        });
        Input { rx, paused, stop, idle }
    }

    /// Stop reading (so a child process gets the keys) and wait until the thread is idle.
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        while self.idle.try_recv().is_ok() {}
        let _ = self.idle.recv_timeout(Duration::from_millis(500));
    }

    /// Read again after `pause`.
    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}
