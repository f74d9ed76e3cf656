// The shell tab's terminal: an xterm.js Terminal (vendored in lib/xterm, loaded on first use so that other pages do not
// pay for it) sized to its element by the fit addon. Keystrokes and size changes go to the .NET ShellView through its
// DotNetObjectReference; the returned object is how .NET writes output and closes the terminal.
let loading;

function add(tag, attributes) {
    return new Promise((resolve, reject) => {
        const element = Object.assign(document.createElement(tag), attributes);
        element.onload = resolve;
        element.onerror = () => reject(new Error('could not load ' + (attributes.src || attributes.href)));
        document.head.appendChild(element);
    });
}

function load() {
    loading ??= Promise.all([
        add('link', { rel: 'stylesheet', href: 'lib/xterm/xterm.css' }),
        add('script', { src: 'lib/xterm/xterm.js' }).then(() => add('script', { src: 'lib/xterm/addon-fit.js' }))
    ]);
    return loading;
}

export async function open(element, dotnet) {
    await load();
    const term = new Terminal({
        cursorBlink: true,
        fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
        fontSize: 13,
        scrollback: 5000,
        theme: { background: '#11151c', foreground: '#d7dde8' }
    });
    const fit = new FitAddon.FitAddon();
    term.loadAddon(fit);
    term.open(element);
    const refit = () => { if (element.offsetWidth > 0 && element.offsetHeight > 0) { fit.fit(); } };
    refit();
    term.onData(data => dotnet.invokeMethodAsync('Input', data));
    term.onResize(size => dotnet.invokeMethodAsync('Resize', size.cols, size.rows));
    const observer = new ResizeObserver(refit);
    observer.observe(element);
    term.focus();
    return {
        size: () => [term.cols, term.rows],
        write: data => term.write(data),
        reset: () => term.reset(),
        focus: () => term.focus(),
        dispose: () => { observer.disconnect(); term.dispose(); }
    };
}
