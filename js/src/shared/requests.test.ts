import { afterEach, describe, expect, it, vi } from "vitest";
import { pageWithoutKernel, REPLY_TIMEOUT_MS, Requests } from "./requests";

/** What a view sends to its widget, kept to answer it. */
function recorder() {
  const sent: Record<string, unknown>[] = [];
  return { sent, send: (content: Record<string, unknown>) => sent.push(content) };
}

describe("Requests", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends a request with an id and settles it with the reply of that id only", async () => {
    const model = recorder();
    const requests = new Requests(model);
    const reply = requests.send("details", { task_id: "t1" });
    const [message] = model.sent;
    expect(message).toMatchObject({ type: "details", task_id: "t1" });
    expect(requests.waiting).toBe(1);
    expect(requests.settle({ request_id: "another view's", ok: true })).toBe(false);
    const answer = { request_id: message?.request_id, ok: true, run_id: "r1" };
    expect(requests.settle(answer)).toBe(true);
    await expect(reply).resolves.toEqual(answer);
    expect(requests.waiting).toBe(0);
    expect(requests.settle({ request_id: message?.request_id, ok: true })).toBe(false);
  });

  it("gives every request its own id", () => {
    const model = recorder();
    const requests = new Requests(model);
    void requests.send("a");
    void requests.send("b");
    expect(model.sent[0]?.request_id).not.toBe(model.sent[1]?.request_id);
  });

  it("answers a request the kernel does not answer in time with an error", async () => {
    vi.useFakeTimers();
    const requests = new Requests(recorder());
    const reply = requests.send("run");
    vi.advanceTimersByTime(REPLY_TIMEOUT_MS);
    await expect(reply).resolves.toMatchObject({
      ok: false,
      error: expect.stringMatching(/did not answer/),
    });
    expect(requests.waiting).toBe(0);
  });

  it("answers at once a request that could not be sent, and keeps no timer for it", async () => {
    vi.useFakeTimers();
    const closed = {
      send: () => {
        throw new Error("Cannot send on a closed comm");
      },
    };
    const requests = new Requests(closed);
    let told = 0;
    requests.onNotSent = () => {
      told += 1;
    };
    await expect(requests.send("details")).resolves.toEqual({
      ok: false,
      error: "not sent to the kernel: Error: Cannot send on a closed comm",
    });
    expect(requests.waiting).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(told).toBe(1); // the view is told its kernel is gone
  });

  it("forgets every request when closed", () => {
    vi.useFakeTimers();
    const requests = new Requests(recorder());
    void requests.send("run");
    requests.close();
    expect(requests.waiting).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("pageWithoutKernel", () => {
  it("tells the HTML manager of an exported notebook (no kernel) from a live one", () => {
    // JupyterLab's manager has its kernel as a getter on its prototype.
    class LabManager {
      get kernel() {
        return { id: "k" };
      }
    }
    class HtmlManager {
      get_model() {}
    }
    expect(pageWithoutKernel({ widget_manager: new LabManager() })).toBe(false);
    expect(pageWithoutKernel({ widget_manager: new HtmlManager() })).toBe(true);
    expect(pageWithoutKernel({})).toBe(false); // nothing known: no claim
  });
});
