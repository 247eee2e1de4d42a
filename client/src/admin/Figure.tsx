/** One labelled figure of a panel's <dl>; `title` adds what a hover should show (an exact instant). */
export function Figure({ label, value, testId, title }: { label: string; value: string; testId: string; title?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId} title={title}>
        {value}
      </dd>
    </div>
  );
}
