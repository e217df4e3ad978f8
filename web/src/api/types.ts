// Types from docs/api.md (the contract). Fields the contract leaves open are optional.

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ItemList<T> {
  items: T[];
}

export interface ApiErrorBody {
  error: { code: string; message: string; field?: string };
}

// ---- Auth
export interface RegisterBody {
  email: string;
  password: string;
  displayName: string;
}
export interface RegisterResult {
  email: string;
  verificationRequired: true;
}
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}
export interface LoginResult extends TokenPair {
  user: Me;
}

// ---- Me
export interface NotificationPrefs {
  friendRequest: boolean;
  photoDisplayed: boolean;
  frameOffline: boolean;
}
export interface Me {
  userId: string;
  email: string;
  /** An address change waiting for its link to be opened, else null. */
  pendingEmail: string | null;
  displayName: string;
  friendCode: string;
  findable: boolean;
  timeZone: string;
  notifications: NotificationPrefs;
  createdAt: string;
}
export type MePatch = Partial<Pick<Me, "displayName" | "findable" | "timeZone" | "email">> & {
  notifications?: Partial<NotificationPrefs>;
  /** Required with email. */
  currentPassword?: string;
};

// ---- Images
export type ImageState = "pending" | "ready" | "rejected";
export interface FocalPoint {
  x: number;
  y: number;
}
export interface Image {
  imageId: string;
  state: ImageState;
  reason?: string;
  title: string;
  createdAt: string;
  capturedAt?: string;
  width?: number;
  height?: number;
  focalPoint: FocalPoint;
  thumbnailUrl?: string;
  previewUrl?: string;
  duplicateOf?: string;
  deleteAt?: string;
}
export interface CreateImageBody {
  contentType: string;
  bytes: number;
  filename?: string;
  sendAndForgetHours?: number;
}
export interface CreateImageResult {
  imageId: string;
  upload: { url: string; fields: Record<string, string> };
  maxBytes: number;
  expiresAt: string;
}
export interface DeleteImageResult {
  deleted: true;
  sharesStillOnFrames: number;
}
export type Orientation = "landscape" | "portrait";
export interface FramePreview extends Rendition {
  frameId: string;
}
export interface Rendition {
  panel: string;
  orientation: Orientation;
  previewUrl: string;
  width: number;
  height: number;
}

// ---- Frames
export type SendPolicy = "owner" | "friends" | "chosen";
export type SlideOrder = "newest_first" | "shuffle";
export interface QuietHours {
  start: string;
  end: string;
  mode: "clear" | "keep";
}
export interface FrameStatus {
  online: boolean;
  lastSeenAt: string | null;
  firmware: string | null;
  freeBytes: number | null;
  battery: number | null;
  nextWakeAt: string | null;
  showing: string | null;
}
export interface Frame {
  frameId: string;
  name: string;
  ownerId: string;
  panel: string;
  orientation: Orientation;
  intervalSeconds: number;
  order: SlideOrder | string;
  quietHours: QuietHours | null;
  timeZone: string;
  showStatus: boolean;
  sendPolicy: SendPolicy;
  allowedSenders: string[];
  status: FrameStatus;
  createdAt: string;
}
export type FramePatch = Partial<
  Pick<
    Frame,
    | "name"
    | "intervalSeconds"
    | "orientation"
    | "panel"
    | "order"
    | "quietHours"
    | "timeZone"
    | "showStatus"
    | "sendPolicy"
    | "allowedSenders"
  >
>;
export interface FrameTarget {
  frameId: string;
  name: string;
  ownerId: string;
  ownerName: string;
  panel: string;
  orientation: Orientation;
  online: boolean;
}

// ---- Friends
export interface Friend {
  userId: string;
  displayName: string;
  since: string;
}
export interface FriendRequest {
  /** The contract's request id; some servers key requests by the other user's id instead. */
  requestId?: string;
  userId: string;
  displayName: string;
  createdAt?: string;
  since?: string;
}
export interface Block {
  userId: string;
  displayName?: string;
  createdAt?: string;
}

// ---- Shares
export type DeliveryState = "queued" | "delivered" | "displayed" | "removed" | "expired";
export type Duration = "24h" | "7d" | "14d" | "30d" | "forever";
export interface Delivery {
  frameId: string;
  frameName: string;
  ownerId: string;
  state: DeliveryState;
  deliveredAt?: string;
  displayedAt?: string;
  expectedAt?: string;
  // GET /frames/{id}/items returns deliveries; the backend may add share fields to them.
  shareId?: string;
  imageId?: string;
  senderName?: string;
  caption?: string | null;
  thumbnailUrl?: string | null;
  previewUrl?: string | null;
  expiresAt?: string | null;
}
export interface Share {
  shareId: string;
  imageId: string;
  senderId: string;
  senderName: string;
  caption: string | null;
  createdAt: string;
  expiresAt: string | null;
  deliveries: Delivery[];
  thumbnailUrl?: string | null;
  previewUrl?: string | null;
}
export interface CreateShareBody {
  imageId: string;
  frameIds: string[];
  duration?: Duration;
  expiresAt?: string;
  caption?: string;
}

// ---- Dashboard
export interface ActivityDay {
  date: string;
  sent: number;
  received: number;
  displayed: number;
}
export interface RecentEvent {
  type: string;
  at: string;
  [key: string]: unknown;
}
export interface Dashboard {
  photos: number;
  activeOnMyFrames: number;
  sentThisWeek: number;
  framesOnline: number;
  framesOffline: number;
  activity: ActivityDay[];
  recent: RecentEvent[];
}

// ---- Releases / firmware (the contract names the endpoints, not every field)
export interface Release {
  version: string;
  channel?: string;
  publishedAt?: string;
  releasedAt?: string;
  critical?: boolean;
  /** "critical" | "important" | "minor" | "patch" */
  criticality?: string;
  notes?: string;
  title?: string;
}
export interface FirmwareUpdateState {
  version?: string;
  state?: string;
  reason?: string | null;
  at?: string;
}
export interface FirmwareInfo {
  /** The installed version (the server may call it `current` or `version`). */
  current?: string | null;
  version?: string | null;
  latest?: Release | null;
  available?: Release | null;
  updateAvailable?: boolean;
  /** Releases newer than the installed one, newest first. */
  whatsNew?: Release[];
  autoUpdate?: boolean;
  state?: string;
  update?: FirmwareUpdateState | string | null;
  [key: string]: unknown;
}
