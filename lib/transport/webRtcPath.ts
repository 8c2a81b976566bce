/**
 * Where a browser asks for a data channel: the path of the signaling requests on the HTTP server
 * that serves its page and WebSockets.
 *
 * @category Transports
 */
export const DEFAULT_WEBRTC_PATH = '/rxgase/rtc';
