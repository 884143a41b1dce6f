/**
 * Requests from a view to its Python widget: a custom message `{type, request_id, ...fields}`,
 * answered by a `{type: "reply", request_id, ok, error?, ...}` message with the same id. Every
 * view of a widget receives every reply; each takes only its own (`settle`).
 */

/** A reply's content: `ok`, the `error` when not ok, and whatever the request asked for. */
export type Reply = { ok: boolean; error?: string } & Record<string, unknown>;

/**
 * Whether this page's widget manager has no kernel: a notebook exported with its widgets' state
 * (`jupyter nbconvert --to html`, `ipywidgets.embed`), drawn by the HTML manager, which drops
 * every message a view sends. JupyterLab's, Notebook 7's and Voilà's managers have one. Other
 * hosts of anywidget may have none and still answer: this only picks the words said when
 * nothing answers, never stops a request.
 */
export function pageWithoutKernel(model: { widget_manager?: unknown }): boolean {
  const manager = model.widget_manager;
  return typeof manager === "object" && manager !== null && !("kernel" in manager);
}

/** How long a request waits for its reply before it is answered "no answer" here. */
export const REPLY_TIMEOUT_MS = 30_000;

const NO_ANSWER = "the kernel did not answer: is it busy, or gone?";

export class Requests {
  private readonly pending = new Map<
    string,
    { resolve: (reply: Reply) => void; timer: ReturnType<typeof setTimeout> }
  >();
  private counter = 0;
  private readonly prefix = Math.random().toString(36).slice(2, 8);
  /** Called when a request could not be sent: the comm is gone (the kernel restarted, or was
   * shut down), and no request will ever be answered. */
  onNotSent: (() => void) | null = null;

  constructor(private readonly model: { send(content: Record<string, unknown>): void }) {}

  /** How many requests are waiting for their reply. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Send a request; it settles with the reply, or with `ok: false` when it could not be sent
   * or after REPLY_TIMEOUT_MS. */
  send(type: string, fields: Record<string, unknown> = {}): Promise<Reply> {
    this.counter += 1;
    const requestId = `${this.prefix}-${this.counter}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        resolve({ ok: false, error: NO_ANSWER });
      }, REPLY_TIMEOUT_MS);
      this.pending.set(requestId, { resolve, timer });
      try {
        this.model.send({ type, request_id: requestId, ...fields });
      } catch (error) {
        // JupyterLab refuses to send on a comm its kernel closed (a restart, a shutdown).
        clearTimeout(timer);
        this.pending.delete(requestId);
        resolve({ ok: false, error: `not sent to the kernel: ${String(error)}` });
        this.onNotSent?.();
      }
    });
  }

  /** Hand a reply to its request; false when it is not ours (another view's). */
  settle(message: { request_id?: unknown; ok: boolean; error?: string }): boolean {
    const request = this.pending.get(String(message.request_id));
    if (request === undefined) return false;
    clearTimeout(request.timer);
    this.pending.delete(String(message.request_id));
    request.resolve(message as Reply);
    return true;
  }

  /** Forget every request (the view is gone): their promises never settle. */
  close(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
