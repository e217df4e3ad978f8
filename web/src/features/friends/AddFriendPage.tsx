import { Link, useSearchParams } from "react-router-dom";
import { PageHeader } from "../../components/PageHeader";
import { AddFriendForm } from "./FriendsPage";

export default function AddFriendPage() {
  const [params] = useSearchParams();
  return (
    <section className="narrow card">
      <PageHeader title="Add a friend" />
      <p>Send a friend request with this code. You'll be friends once they accept.</p>
      <AddFriendForm initialCode={params.get("code") ?? ""} />
      <p>
        <Link to="/friends">Go to your friends</Link>
      </p>
    </section>
  );
}
