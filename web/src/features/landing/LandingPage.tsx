import { Link, Navigate } from "react-router-dom";
import { PageHeader } from "../../components/PageHeader";
import { useLoggedIn } from "../auth/session";

const FEATURES: { title: string; text: string }[] = [
  { title: "Keep your photos in one library", text: "Upload many photos at once from your phone or computer. We prepare each one for every kind of frame." },
  { title: "Pair a frame in a minute", text: "Plug in the frame, then type the code it shows or scan its QR code with your phone." },
  { title: "Send to the people you love", text: "Send a photo to your own frames or to a friend's frame, for a day, a week, or for good." },
  { title: "See exactly what they'll see", text: "Before sending, preview the photo as the e-paper frame will draw it, in its colours and shape." },
  { title: "Know when it arrives", text: "Watch each frame go from queued to delivered to displayed. Change your mind and remove it at any time." },
  { title: "Frames that look after themselves", text: "Quiet hours, slideshow speed and who may send to you are yours to set. Frames update themselves safely." },
];

/** Drawn by the frame's own rendering code: infra/landing_photos.py, sources in public/landing/SOURCES.md. */
const ON_THE_WALL: { src: string; alt: string; panel: string }[] = [
  { src: "/landing/cat.webp", alt: "A tabby cat's face, captioned “Chelsea found the sunny spot”, from Sam", panel: "6-colour frame" },
  { src: "/landing/coffee.webp", alt: "A cup of coffee on a wooden table, captioned “Sunday coffee”, from Mia", panel: "7-colour frame" },
  { src: "/landing/astronaut.webp", alt: "A portrait of the astronaut Eileen Collins, captioned “Our hero”, from Grandpa", panel: "Black-and-white frame" },
];

export function LandingPage() {
  const loggedIn = useLoggedIn();
  if (loggedIn) return <Navigate to="/dashboard" replace />;
  return (
    <div className="landing">
      <section className="hero">
        <PageHeader title="Photos from family, on the frame on your wall" />
        <p className="lead">
          Shareframe sends your photos to e-paper picture frames: your own, and the frames of friends and family.
          They show up within seconds as a calm slideshow that needs no screen glow and almost no power.
        </p>
        <div className="inline-actions">
          <Link to="/signup" className="button button-primary button-large">
            Sign up free
          </Link>
          <Link to="/login" className="button button-large">
            Log in
          </Link>
        </div>
      </section>
      <section aria-labelledby="wall-title" className="on-the-wall">
        <h2 id="wall-title">On the wall, exactly as sent</h2>
        <ul className="wall-list">
          {ON_THE_WALL.map((p) => (
            <li key={p.src}>
              <figure>
                <img src={p.src} alt={p.alt} width={800} height={480} loading="lazy" className="epaper-frame" />
                <figcaption>{p.panel}</figcaption>
              </figure>
            </li>
          ))}
        </ul>
        <p className="hint">
          Photos: public domain and CC0 samples (<a href="/landing/SOURCES.md">sources and licences</a>), drawn by Shareframe's own frame renderer.
        </p>
      </section>
      <section aria-labelledby="features-title" className="features">
        <h2 id="features-title">What you can do</h2>
        <ul className="feature-list">
          {FEATURES.map((f) => (
            <li key={f.title} className="card">
              <h3>{f.title}</h3>
              <p>{f.text}</p>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="how-title" className="how">
        <h2 id="how-title">How it works</h2>
        <ol className="steps">
          <li>Create an account and confirm your email.</li>
          <li>Upload some photos to your library.</li>
          <li>Pair your frame with the code on its screen, and add friends with their friend code.</li>
          <li>Pick a photo, pick the frames, press Send. That's it.</li>
        </ol>
        <p>
          <Link to="/releases">Read what's new in the frame software</Link>
        </p>
      </section>
    </div>
  );
}
