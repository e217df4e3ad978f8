import { useEffect, useRef, useSyncExternalStore } from "react";
import { useInfiniteQuery, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { images, qk } from "../../api/endpoints";
import type { Image } from "../../api/types";
import { UploadQueue } from "./uploadQueue";
import { uploadImage } from "./uploadFile";

/** The photo library, newest first, page by page via the cursor. */
export function useImageList() {
  return useInfiniteQuery({
    queryKey: [...qk.images, "list"],
    queryFn: ({ pageParam }) => images.list(pageParam, 30),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export const PROCESSING_POLL_MS = 2000;

/** One image; polled every 2 s while it is still being processed. */
export function useImage(imageId: string | undefined, initial?: Image) {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: qk.image(imageId ?? ""),
    queryFn: () => images.get(imageId!),
    // With a list copy that is already final, there is nothing to poll.
    enabled: Boolean(imageId) && (!initial || initial.state === "pending"),
    initialData: initial,
    staleTime: initial && initial.state !== "pending" ? 30_000 : 0,
    refetchInterval: (query) => (query.state.data?.state === "pending" || !query.state.data ? PROCESSING_POLL_MS : false),
  });
  const state = q.data?.state;
  const prev = useRef<string | undefined>(undefined);
  useEffect(() => {
    // Once processing ends, the list's copy is out of date.
    if (prev.current === "pending" && state && state !== "pending") {
      void qc.invalidateQueries({ queryKey: [...qk.images, "list"] });
      void qc.invalidateQueries({ queryKey: qk.dashboard });
    }
    prev.current = state;
  }, [state, qc]);
  return q;
}

let queue: UploadQueue<File> | null = null;

/** One queue for the whole app, so uploads go on while the user moves to another page. */
export function getUploadQueue(qc: QueryClient): UploadQueue<File> {
  if (!queue) {
    queue = new UploadQueue<File>({
      uploader: uploadImage,
      concurrency: 3,
      onUploaded: () => {
        void qc.invalidateQueries({ queryKey: [...qk.images, "list"] });
        void qc.invalidateQueries({ queryKey: qk.dashboard });
      },
    });
  }
  return queue;
}

export function useUploadQueue() {
  const qc = useQueryClient();
  const q = getUploadQueue(qc);
  const snapshot = useSyncExternalStore(q.subscribe, q.getSnapshot, q.getSnapshot);
  return { queue: q, snapshot };
}
