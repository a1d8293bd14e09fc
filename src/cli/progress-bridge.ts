import type { BuildEvent } from '../builders/build-images.js';
import type { ProgressRenderer } from '../progress/events.js';

/** Feeds build events into the shared progress display (rows per arch). */
export function bridgeBuildEvents(progress: ProgressRenderer): (event: BuildEvent) => void {
  return (event) => {
    switch (event.kind) {
      case 'status':
        if (event.message.startsWith('building')) progress.handle({ type: 'phase', subject: event.arch, phase: 'build', detail: event.message });
        else progress.handle({ type: 'status', subject: event.arch, detail: event.message });
        break;
      case 'line':
        progress.handle({ type: 'line', subject: event.arch, line: event.message });
        break;
      case 'done':
        progress.handle({ type: 'phase', subject: event.arch, phase: 'done', detail: event.message });
        break;
      case 'failed':
        progress.handle({ type: 'phase', subject: event.arch, phase: event.message.includes('cancelled') ? 'cancelled' : 'failed', detail: event.message });
        break;
    }
  };
}
